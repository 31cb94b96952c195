"""Photo pages: a visit's photos with the upload form, the image files (never cached: a
withdrawn consent hides them at once), and comparing one zone over time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from dorsum.i18n import N_
from dorsum.media.images import CleanImage, ImageRefused, clean_upload
from dorsum.reports.wording import zone_names
from dorsum.services import patients, photo_compare, photos
from dorsum.services.bodymap import ZONES
from dorsum.services.errors import InvalidInput
from dorsum.web.context import Caller
from dorsum.web.deps import (
    SESSION_COOKIE,
    FormDep,
    PhotoLimitsDep,
    PhotoStoreDep,
    SignedInDep,
    WriteDep,
)
from dorsum.web.problems import Problem, refusal
from dorsum.web.routes.ids import RecordId
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
PRIVATE = {"Cache-Control": "private, no-store"}


def _visit_page(
    request: Request,
    who: Caller,
    consultation_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, Problem] | None = None,
) -> Response:
    actor = who.signed_in()
    visit = photos.visit_photos(who.db, actor=actor, consultation_id=consultation_id)
    patient = patients.get_patient(who.db, actor=actor, patient_id=visit.patient_id)
    return render(
        request,
        who,
        "visit_photos.html.j2",
        status=422 if errors else 200,
        visit=visit,
        patient=patient,
        zones=ZONES,
        zone_names=zone_names(who.localizer),
        values=values or {},
        errors=errors or {},
    )


@router.get("/consultations/{consultation_id}/photos", response_class=HTMLResponse)
def visit_page(request: Request, who: SignedInDep, consultation_id: RecordId) -> Response:
    return _visit_page(request, who, consultation_id)


def checked_photo(
    request: Request, form: FormDep, limits: PhotoLimitsDep
) -> CleanImage | ImageRefused:
    """The uploaded photo, checked and cleaned before the database is touched (this dependency
    comes before the caller's in the route's parameters). A request with no sign-in at all is
    not decoded: the caller's dependency refuses it next."""
    chosen = form.get("photo")
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        return ImageRefused("empty", N_("Choose the photo to add."))
    if SESSION_COOKIE not in request.cookies and "authorization" not in request.headers:
        return ImageRefused("empty", N_("Choose the photo to add."))
    data = chosen.file.read()
    try:
        return clean_upload(data, limits)
    except ImageRefused as refused:
        return refused


CheckedPhotoDep = Annotated[CleanImage | ImageRefused, Depends(checked_photo)]


@router.post("/consultations/{consultation_id}/photos", response_class=HTMLResponse)
def upload(
    request: Request,
    form: FormDep,
    checked: CheckedPhotoDep,
    who: WriteDep,
    store: PhotoStoreDep,
    consultation_id: RecordId,
) -> Response:
    zone = str(form.get("zone") or "")
    try:
        photo = photos.upload_photo(
            who.db,
            actor=who.signed_in(),
            store=store,
            consultation_id=consultation_id,
            zone=zone,
            image=checked,
        )
    except InvalidInput as error:
        who.db.rollback()
        return _visit_page(
            request, who, consultation_id, values={"zone": zone}, errors=refusal(error)
        )
    return RedirectResponse(
        f"/consultations/{consultation_id}/photos?added={photo.id}#photo-{photo.id}",
        status_code=303,
    )


@router.get("/photos/{photo_id}/image")
def image(who: SignedInDep, store: PhotoStoreDep, photo_id: RecordId) -> Response:
    data, media_type = photos.photo_file(
        who.db, actor=who.signed_in(), store=store, photo_id=photo_id
    )
    return Response(data, media_type=media_type, headers=PRIVATE)


@router.get("/photos/{photo_id}/thumb")
def thumbnail(who: SignedInDep, store: PhotoStoreDep, photo_id: RecordId) -> Response:
    data, media_type = photos.photo_file(
        who.db, actor=who.signed_in(), store=store, photo_id=photo_id, thumbnail=True
    )
    return Response(data, media_type=media_type, headers=PRIVATE)


@router.post("/photos/{photo_id}/delete")
def delete(who: WriteDep, store: PhotoStoreDep, photo_id: RecordId) -> Response:
    gone = photos.delete_photo(who.db, actor=who.signed_in(), store=store, photo_id=photo_id)
    return RedirectResponse(
        f"/consultations/{gone.consultation_id}/photos?deleted=1", status_code=303
    )


@router.get("/patients/{patient_id}/photos", response_class=HTMLResponse)
def compare(
    request: Request,
    who: SignedInDep,
    patient_id: RecordId,
    zone: Annotated[str | None, Query(max_length=20)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    after: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """One zone over time; `before` and `after` choose the two photos of the overlay."""
    actor = who.signed_in()
    patient = patients.get_patient(who.db, actor=actor, patient_id=patient_id)
    result = photo_compare.compare_zone(
        who.db, actor=actor, patient_id=patient.id, zone=zone if zone in ZONES else None
    )
    shown = [photo for visit in result.visits for photo in visit.photos]
    ids = [photo.id for photo in shown]
    pair = (
        before if before in ids else (ids[0] if ids else None),
        after if after in ids else (ids[-1] if ids else None),
    )
    return render(
        request,
        who,
        "photo_compare.html.j2",
        patient=patient,
        comparison=result,
        zones=ZONES,
        zone_names=zone_names(who.localizer),
        shown=shown,
        pair=pair,
    )
