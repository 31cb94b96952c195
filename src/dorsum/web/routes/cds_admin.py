"""The CDS Hooks feedback page, for the admins of the clinic that runs the service: per
service and kind of card, how many were issued, accepted and overridden, and why overridden."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dorsum.cds import feedback
from dorsum.cds.cards import OVERRIDE_REASONS
from dorsum.i18n import N_
from dorsum.web.deps import SignedInDep
from dorsum.web.templating import render

router = APIRouter(include_in_schema=False)
KINDS = {
    "summary": N_("Patient summary"),
    "order_excluded": N_("Order for an excluded treatment"),
    "order_deferred": N_("Order for a deferred treatment"),
    "order_unchecked": N_("Order dorsum could not check"),
}
SERVICES = {
    "dorsum-patient-view": N_("Back-skin findings (patient view)"),
    "dorsum-order-select": N_("Contraindications (order select)"),
    "dorsum-order-sign": N_("Contraindications (order sign)"),
}


@router.get("/admin/cds-feedback", response_class=HTMLResponse)
def feedback_page(request: Request, who: SignedInDep) -> Response:
    settings = request.app.state.settings
    feedback.require_cds_admin(
        who.db, actor=who.signed_in(), clinic_slug=settings.cds_clinic or settings.public_clinic
    )
    return render(
        request,
        who,
        "cds_feedback.html.j2",
        tallies=feedback.tallies(who.db),
        services=SERVICES,
        reasons=OVERRIDE_REASONS,  # dorsum's own override reasons, in the reader's language
        kinds=KINDS,
        index=request.app.state.index,
    )
