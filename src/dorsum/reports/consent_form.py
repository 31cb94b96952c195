"""A signed consent as a PDF form: the clinic's letterhead, the text exactly as shown, who
signed and when, the signature image, the witness, and any withdrawal. Written in the language
the consent was given in. Images come from memory only, like the patient report's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from dorsum.i18n import Localizer
from dorsum.reports.letterhead import Letterhead
from dorsum.reports.patient import environment
from dorsum.reports.pdf import SCHEME


@dataclass(frozen=True)
class SignedConsent:
    """What the form shows of a consent (the service's record, as plain values)."""

    purpose_label: str
    title: str
    text: str
    version: int
    signed_by: str
    signed_at: datetime
    signature_png: bytes
    witness_name: str
    withdrawn_at: datetime | None = None
    withdrawal_note: str = ""


def consent_html(
    consent: SignedConsent, *, letterhead: Letterhead, localizer: Localizer, zone: tzinfo
) -> str:
    template = environment().get_template("consent_form.html.j2")
    loc = localizer
    return template.render(
        _=loc.gettext,
        lang=loc.language,
        letterhead=letterhead,
        logo=bool(letterhead.logo),
        scheme=SCHEME,
        consent=consent,
        paragraphs=[p.strip() for p in consent.text.split("\n\n") if p.strip()],
        signed_on=_when(consent.signed_at, loc, zone),
        withdrawn_on=_when(consent.withdrawn_at, loc, zone) if consent.withdrawn_at else "",
    )


def consent_pdf(
    consent: SignedConsent, *, letterhead: Letterhead, localizer: Localizer, zone: tzinfo
) -> bytes:
    from dorsum.reports.pdf import Resource, write_pdf

    html = consent_html(consent, letterhead=letterhead, localizer=localizer, zone=zone)
    served = {f"{SCHEME}:signature": Resource(consent.signature_png, "image/png")}
    if letterhead.logo:
        served[f"{SCHEME}:logo"] = Resource(letterhead.logo, letterhead.logo_type)
    return write_pdf(html, stylesheet="consent_form.css", served=served)


def _when(instant: datetime, loc: Localizer, zone: tzinfo) -> str:
    local = instant.astimezone(zone)
    return f"{loc.date(local.date())}, {local:%H:%M}"
