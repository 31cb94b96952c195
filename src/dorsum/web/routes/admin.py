"""Administration: users (add, edit, deactivate, new password), API tokens (issue, revoke)
and the audit log. Forms keep what was typed (never a password) when something is refused."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dorsum.services import audit, tokens, users
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import FormDep, SignedInDep, WriteDep
from dorsum.web.problems import Problem, refusal
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
USER_FIELDS = ("name", "email", "role", "language")
RECENT = 15
PAGE = 100


def _admin_page(
    request: Request,
    who: Caller,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Problem] | None = None,
    token: dict[str, str] | None = None,
    issued: str | None = None,
) -> Response:
    actor = who.signed_in()
    return render(
        request,
        who,
        "admin.html.j2",
        status=422 if errors else 200,
        users=users.list_users(who.db, actor=actor),
        tokens=tokens.clinic_tokens(who.db, actor=actor),
        entries=audit.entries(who.db, actor=actor, limit=RECENT),
        values=values or {"role": "practitioner", "language": actor.language},
        errors=errors or {},
        token=token or {"days": "90"},
        issued=issued,
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, who: SignedInDep) -> Response:
    return _admin_page(request, who)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(request: Request, form: FormDep, who: WriteDep) -> Response:
    values = {name: str(form.get(name) or "").strip() for name in USER_FIELDS}
    try:
        data = users.UserCreate.model_validate(
            {**values, "password": str(form.get("password") or "")}
        )
        users.add_user(who.db, actor=who.signed_in(), data=data)
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        return _admin_page(request, who, values=values, errors=refusal(error))
    return RedirectResponse("/admin?added=1", status_code=303)


def _user_page(
    request: Request,
    who: Caller,
    user_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Problem] | None = None,
) -> Response:
    user = users.get_user(who.db, actor=who.signed_in(), user_id=user_id)
    return render(
        request,
        who,
        "user.html.j2",
        status=422 if errors else 200,
        user=user,
        values=values or user.model_dump(),
        errors=errors or {},
    )


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, who: SignedInDep, user_id: RecordId) -> Response:
    return _user_page(request, who, user_id)


@router.post("/admin/users/{user_id}", response_class=HTMLResponse)
def update_user(request: Request, form: FormDep, who: WriteDep, user_id: RecordId) -> Response:
    values = {name: str(form.get(name) or "").strip() for name in USER_FIELDS}
    try:
        data = users.UserUpdate.model_validate(values)
        users.update_user(who.db, actor=who.signed_in(), user_id=user_id, data=data)
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        return _user_page(request, who, user_id, values=values, errors=refusal(error))
    return RedirectResponse(f"/admin/users/{user_id}?saved=1", status_code=303)


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
def reset_password(request: Request, form: FormDep, who: WriteDep, user_id: RecordId) -> Response:
    try:
        users.reset_password(
            who.db,
            actor=who.signed_in(),
            user_id=user_id,
            password=str(form.get("password") or ""),
        )
    except InvalidInput as error:
        who.db.rollback()
        return _user_page(request, who, user_id, errors=refusal(error))
    return RedirectResponse(f"/admin/users/{user_id}?password=1", status_code=303)


@router.post("/admin/users/{user_id}/active", response_class=HTMLResponse)
def set_active(request: Request, form: FormDep, who: WriteDep, user_id: RecordId) -> Response:
    active = str(form.get("active") or "") == "1"
    try:
        users.set_active(who.db, actor=who.signed_in(), user_id=user_id, active=active, now=who.now)
    except InvalidInput as error:
        who.db.rollback()
        return _user_page(request, who, user_id, errors=refusal(error))
    return RedirectResponse(f"/admin/users/{user_id}?active={int(active)}", status_code=303)


@router.post("/admin/tokens", response_class=HTMLResponse)
def issue_token(request: Request, form: FormDep, who: WriteDep) -> Response:
    raw = {
        name: str(form.get(f"token_{name}") or "").strip() for name in ("user_id", "label", "days")
    }
    try:
        data = tokens.TokenCreate.model_validate({**raw, "days": raw["days"] or 90})
        secret = tokens.issue_for(who.db, actor=who.signed_in(), data=data, now=who.now)
    except (ValidationError, InvalidInput) as error:
        who.db.rollback()
        # the token form's fields are named token_…, apart from the user form's
        refused = {
            f"token_{k}": Problem(f"token_{k}", p.message, p.values)
            for k, p in refusal(error).items()
        }
        return _admin_page(request, who, errors=refused, token=raw)
    # shown once, on this response only; dorsum keeps its hash
    return _admin_page(request, who, issued=secret)


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(who: WriteDep, token_id: RecordId) -> Response:
    tokens.revoke_for(who.db, actor=who.signed_in(), token_id=token_id, now=who.now)
    return RedirectResponse("/admin?revoked=1#tokens", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    who: SignedInDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    patient_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    """The whole audit log, a hundred entries a page, optionally for one patient."""
    found = audit.entries(
        who.db,
        actor=who.signed_in(),
        patient_id=patient_id,
        limit=PAGE + 1,
        offset=(page - 1) * PAGE,
    )
    return render(
        request,
        who,
        "audit.html.j2",
        entries=found[:PAGE],
        page=page,
        more=len(found) > PAGE,
        patient_id=patient_id,
    )
