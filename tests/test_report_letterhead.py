"""The patient report made the clinic's own: its letterhead (name, address, phone, logo), who the
report is for and by, and the patient's before photos, in the PDF and the HTML, in English and
Spanish. Reports for callers that give none of these are the plain report, unchanged."""

from __future__ import annotations

import io
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import cast

import pytest
from PIL import Image, ImageDraw
from pypdf import PageObject, PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from dorsum.core.plan import Plan
from dorsum.i18n import Language, Localizer
from dorsum.knowledge import default_index
from dorsum.reports import patient, pdf
from dorsum.reports.gantt import gantt_svg
from dorsum.reports.letterhead import Letterhead, ReportPhoto
from tests.test_reports import example_plan, pdf_text

ZONES = {"en": ["Upper left", "Lower right"], "es": ["Superior izquierda", "Inferior derecha"]}
TAKEN = date(2026, 11, 14)


def jpeg(shade: int) -> bytes:
    image = Image.new("RGB", (400, 300), (200, shade, 150))
    ImageDraw.Draw(image).ellipse((100, 80, 260, 200), fill=(150, 60, 70))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def png() -> bytes:
    image = Image.new("RGBA", (120, 40), (31, 78, 121, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def letterhead(**changes: object) -> Letterhead:
    values: dict[str, object] = {
        "clinic_name": "Clínica Dorsal",
        "address": "Calle Mayor 1\n28013 Madrid",
        "phone": "+34 910 000 000",
        "logo": png(),
        "logo_type": "image/png",
        "patient_name": "Lucía Fernández",
        "practitioner_name": "Dra. Marta Ruiz",
    }
    values.update(changes)
    return Letterhead(**values)  # type: ignore[arg-type]


def photos(language: Language = "en") -> list[ReportPhoto]:
    return [ReportPhoto(zone, TAKEN, jpeg(120 + 40 * n)) for n, zone in enumerate(ZONES[language])]


@cache
def plan() -> Plan:
    return example_plan("severe-acne-scars")


@cache
def branded_pdf(language: Language) -> bytes:
    return patient.report_pdf(
        plan(),
        index=default_index(),
        localizer=Localizer(language),
        letterhead=letterhead(),
        photos=photos(language),
    )


def jpeg_images(data: bytes) -> int:
    """How many distinct JPEG images the PDF holds (pages share one resource dictionary)."""
    found = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        found.update(xobjects(page))
    return sum(1 for image in found.values() if image.get("/Filter") == "/DCTDecode")


def xobjects(page: PageObject) -> dict[int, DictionaryObject]:
    """The page's drawn objects (images, forms), by object number."""
    resources = cast(DictionaryObject, page["/Resources"].get_object())
    named = cast(DictionaryObject, resources.get("/XObject", DictionaryObject()))
    return {
        cast(IndirectObject, reference).idnum: cast(DictionaryObject, reference.get_object())
        for reference in named.values()
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_pdf_shows_the_clinic_and_who_the_report_is_for_and_by(language: Language) -> None:
    """The PDF's text holds the clinic's name, every address line, its phone, and the
    patient's and the practitioner's names, in either language."""
    text = pdf_text(branded_pdf(language))
    for part in (
        "Clínica Dorsal",
        "Calle Mayor 1",
        "28013 Madrid",
        "+34 910 000 000",
        "Lucía Fernández",
        "Dra. Marta Ruiz",
    ):
        assert part in text, part


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_new_headings_are_in_the_readers_language(language: Language) -> None:
    """The prepared-for line, the photos heading and the call line are the catalog's words for
    the report's language, and the document says which language it is in."""
    loc = Localizer(language)
    text = pdf_text(branded_pdf(language))
    assert loc.gettext("Before photos") in text
    prepared = loc.gettext(
        "Prepared for %(patient)s by %(practitioner)s",
        patient="Lucía Fernández",
        practitioner="Dra. Marta Ruiz",
    )
    assert prepared in text
    assert loc.gettext("Call the clinic on %(phone)s.", phone="+34 910 000 000") in text
    catalog = cast(DictionaryObject, PdfReader(io.BytesIO(branded_pdf(language))).trailer["/Root"])
    assert str(catalog["/Lang"]) == language
    html = patient.report_html(
        plan(), index=default_index(), localizer=loc, letterhead=letterhead(), photos=photos()
    )
    assert f'<html lang="{language}">' in html


def test_the_english_report_reads_as_english() -> None:
    """In English: "Prepared for … by …", "Before photos", and "Call the clinic on …"."""
    text = pdf_text(branded_pdf("en"))
    assert "Prepared for Lucía Fernández by Dra. Marta Ruiz" in text
    assert "Before photos" in text
    assert "Call the clinic on +34 910 000 000." in text
    assert "Phone: +34 910 000 000" in text


def test_the_spanish_report_reads_as_spanish() -> None:
    """In Spanish: "Preparado para … por …", "Fotos de antes", "Llame a la clínica al …", and
    no message of the branded report is left untranslated."""
    text = pdf_text(branded_pdf("es"))
    assert "Preparado para Lucía Fernández por Dra. Marta Ruiz" in text
    assert "Fotos de antes" in text
    assert "Llame a la clínica al +34 910 000 000." in text
    assert "Teléfono: +34 910 000 000" in text
    strict = Localizer("es", strict=True)
    patient.report_html(
        plan(), index=default_index(), localizer=strict, letterhead=letterhead(), photos=photos()
    )
    assert strict.missing == set()


@pytest.mark.parametrize(("language", "day"), [("en", "14 Nov 2026"), ("es", "14 nov 2026")])
def test_each_photo_is_captioned_with_its_zone_and_date(language: Language, day: str) -> None:
    """Each photo's caption names its zone, as given, and the date it was taken, localized."""
    text = pdf_text(branded_pdf(language))
    for zone in ZONES[language]:
        assert f"{zone} · {day}" in text


def test_photos_appear_as_images_only_when_given() -> None:
    """The PDF holds one JPEG image per photo given, and none when no photos are given."""
    index, english = default_index(), Localizer("en")
    assert jpeg_images(branded_pdf("en")) == len(photos())
    without = patient.report_pdf(plan(), index=index, localizer=english, letterhead=letterhead())
    assert jpeg_images(without) == 0
    assert "Before photos" not in pdf_text(without)


def test_the_prepared_line_names_only_who_is_known() -> None:
    """With only the patient, or only the practitioner, the line names just them; with
    neither, there is no such line."""
    index, english = default_index(), Localizer("en")

    def html(**names: str) -> str:
        head = letterhead(**{"patient_name": "", "practitioner_name": "", **names})
        return patient.report_html(plan(), index=index, localizer=english, letterhead=head)

    assert "Prepared for Lucía" in html(patient_name="Lucía")
    assert "Prepared for Lucía by" not in html(patient_name="Lucía")
    assert "Prepared by Dr. Ruiz" in html(practitioner_name="Dr. Ruiz")
    assert "Prepared for" not in html()
    assert "Prepared by" not in html()


def test_without_a_phone_the_call_section_is_as_before() -> None:
    """A letterhead without a phone adds no phone line anywhere."""
    head = letterhead(phone="")
    html = patient.report_html(
        plan(), index=default_index(), localizer=Localizer("en"), letterhead=head
    )
    assert "Call the clinic on" not in html
    assert "Phone:" not in html


def test_existing_callers_get_the_plain_report_unchanged() -> None:
    """Called as before, the report has no letterhead, names, photos or images, and is the same
    as with the branding arguments left at their defaults."""
    index, english = default_index(), Localizer("en")
    html = patient.report_html(plan(), index=index, localizer=english)
    assert html == patient.report_html(
        plan(), index=index, localizer=english, letterhead=None, photos=()
    )
    for absent in ("Before photos", "Prepared for", "Prepared by", "<img", "letterhead"):
        assert absent not in html.split("</style>", 1)[1], absent
    assert html == patient.render(plan(), index=index)
    plain = patient.report_pdf(plan(), index=index, localizer=english)
    assert plain.startswith(b"%PDF")
    text = pdf_text(plain)
    assert "Your treatment plan" in text
    assert "Clínica" not in text
    assert jpeg_images(plain) == 0


def test_html_in_a_clinic_name_is_shown_as_text_never_as_markup() -> None:
    """Markup typed into the clinic's name, address or phone is escaped in the HTML and printed
    literally in the PDF."""
    name = '<b>Acme & "Sons"</b><img src="file:///etc/passwd"><script>alert(1)</script>'
    head = letterhead(clinic_name=name, address="<i>Main</i> St", phone="<br>123")
    index, english = default_index(), Localizer("en")
    html = patient.report_html(plan(), index=index, localizer=english, letterhead=head)
    assert "<script>" not in html
    assert "&lt;b&gt;Acme &amp; &#34;Sons&#34;&lt;/b&gt;" in html
    assert "&lt;i&gt;Main&lt;/i&gt; St" in html
    data = patient.report_pdf(plan(), index=index, localizer=english, letterhead=head)
    text = pdf_text(data)
    assert '<b>Acme & "Sons"</b>' in text
    assert "<i>Main</i> St" in text


def test_the_html_report_carries_its_images_inside_it() -> None:
    """The HTML embeds the logo and photos as data: URIs, so it stands alone."""
    html = patient.report_html(
        plan(),
        index=default_index(),
        localizer=Localizer("en"),
        letterhead=letterhead(),
        photos=photos(),
    )
    sources = re.findall(r'<img[^>]* src="([^"]*)"', html)
    assert len(sources) == 1 + len(photos())
    assert sources[0].startswith("data:image/png;base64,")
    assert all(source.startswith("data:image/jpeg;base64,") for source in sources[1:])


def test_the_pdf_renderer_reads_nothing_from_disk_or_the_network(tmp_path: Path) -> None:
    """Only the images handed over are served to WeasyPrint; a file or web address is refused,
    so nothing it names gets into the PDF."""
    fetcher = pdf.MemoryFetcher({"dorsum-memory:x": pdf.Resource(png(), "image/png")})
    assert fetcher.fetch("dorsum-memory:x").read() == png()
    for address in ("file:///etc/hostname", "http://example.com/logo.png", "data:,x"):
        with pytest.raises(ValueError, match="not served"):
            fetcher.fetch(address)
    on_disk = tmp_path / "logo.png"
    on_disk.write_bytes(png())
    html = f'<html><body><p>x</p><img src="{on_disk.as_uri()}"></body></html>'
    data = pdf.write_pdf(html, stylesheet="patient_report.css")
    assert not xobjects(PdfReader(io.BytesIO(data)).pages[0])


def test_a_logo_or_photo_of_another_kind_is_refused() -> None:
    """A logo must be PNG or JPEG bytes under their own media type, and a photo a JPEG."""
    with pytest.raises(ValueError, match="logo"):
        letterhead(logo=b"GIF89a....", logo_type="image/gif")
    with pytest.raises(ValueError, match="logo"):
        letterhead(logo=png(), logo_type="image/jpeg")
    with pytest.raises(ValueError, match="JPEG"):
        ReportPhoto("Upper left", TAKEN, png())
    assert letterhead(logo=None, logo_type="").logo is None


def test_the_pdf_timeline_keeps_every_word_of_the_chart() -> None:
    """Every label of the timeline (treatments, months, the patient's date, the legend) is in
    the PDF's text, where the chart's words are set as text over its drawing."""
    english = Localizer("en")
    words = re.findall(r"<text[^>]*>([^<]+)</text>", gantt_svg(plan(), english))
    text = pdf_text(branded_pdf("en"))
    for word in words:
        unescaped = word.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        assert unescaped in text, unescaped


def test_a_name_in_another_script_still_prints() -> None:
    """A patient's name outside the report font's characters is set in a system font."""
    data = patient.report_pdf(
        plan(),
        index=default_index(),
        localizer=Localizer("en"),
        letterhead=letterhead(patient_name="Ελένη Παπαδοπούλου"),
    )
    assert "Ελένη Παπαδοπούλου" in pdf_text(data)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_report_is_parsed_as_xml_into_the_same_pdf(
    language: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's HTML is well-formed XML, so the PDF renderer parses it with expat rather than
    WeasyPrint's HTML parser (in Python, slow); the PDF is the same either way, and a clinic name
    with markup characters in it stays text."""
    head = letterhead(clinic_name='Dorsal <b>&</b> "Co"')
    captured: list[str] = []
    write = pdf.write_pdf

    def capture(html: str, **options: object) -> bytes:
        captured.append(html)
        return write(html, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf, "write_pdf", capture)
    loc = Localizer(language)
    fast = patient.report_pdf(
        plan(), index=default_index(), localizer=loc, letterhead=head, photos=photos(language)
    )
    assert pdf._xml_root(captured[0]) is not None
    monkeypatch.setattr(pdf, "_xml_root", lambda html: None)
    slow = patient.report_pdf(
        plan(), index=default_index(), localizer=loc, letterhead=head, photos=photos(language)
    )
    assert pdf_text(fast) == pdf_text(slow)
    assert 'Dorsal <b>&</b> "Co"' in pdf_text(fast)
    assert len(PdfReader(io.BytesIO(fast)).pages) == len(PdfReader(io.BytesIO(slow)).pages)


def test_html_that_is_not_xml_is_parsed_as_html() -> None:
    """Markup that is not well-formed XML (an unclosed <img>, an HTML entity) goes through
    WeasyPrint's own HTML parser, as before."""
    assert (
        pdf._xml_root('<html><head></head><body><p>a&nbsp;b</p><img src="x"></body></html>') is None
    )
    pre = "<html><head></head><body><pre>\nsin salto</pre></body></html>"
    assert pdf._xml_root(pre) is None  # HTML drops the newline after <pre>, XML keeps it
    data = pdf.write_pdf(
        "<html><body><p>caf&eacute;&nbsp;con leche</p><br></body></html>",
        stylesheet="patient_report.css",
    )
    assert "café" in pdf_text(data)
