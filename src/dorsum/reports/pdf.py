"""HTML to PDF with WeasyPrint, fast enough to hand a patient their report while they wait.

Profiling the patient report (cProfile, see bench/plan_bench.py) showed where WeasyPrint spent
its time, and this module removes each part that does not have to be paid on every call:

- Font subsetting was the largest part. WeasyPrint (without HarfBuzz-Subset) subsets every font
  it embeds with fontTools, which decodes the font's whole GSUB and GPOS tables even though it
  then drops them: for the system DejaVu Sans (6,000 glyphs) that is most of the PDF step. So
  the report's font is DejaVu Sans cut down once per process to the scripts a report is written
  in (Latin, punctuation, a few symbols), without GSUB and GPOS (kerning stays, in the font's
  own `kern` table) and served to WeasyPrint through `@font-face`. Any other character still
  prints: the CSS falls back to the system's fonts for it.
- Even subsetting the cut-down fonts with fontTools costs more than embedding them whole (they
  are about 50 KB each), so when every character of a document is in them they go into the PDF
  whole. Where WeasyPrint finds HarfBuzz-Subset it subsets in C, cheaply: then fonts are subset
  as usual, for a smaller PDF.
- The stylesheet is parsed once (a `weasyprint.CSS`), with one reused `FontConfiguration`, so
  the `@font-face` fonts are registered with Fontconfig once, not per report.
- Streams are deflated at zlib's default level rather than pydyf's 9 (see
  `_default_compression`).
- The report's HTML is written in XHTML syntax and parsed by expat (C) into the tree WeasyPrint
  lays out: WeasyPrint's own HTML parser, in Python, took longer than laying out a page.

The rest of the savings are in the report itself: see patient_report.css (fixed table layout,
list bullets and numbers as text, key dates as lines of text with a tab stop rather than a
table, no margin box to measure) and pdf_timeline.py (the chart's words as HTML text, its grid
as one path).

Nothing is fetched from disk or the network while rendering: the fetcher serves only the
resources handed to `write_pdf` (images, from memory) and refuses every other address. The
shared font configuration is not safe to use from two threads at once, so rendering is
serialised; WeasyPrint holds the GIL for nearly all of its work, so little is lost.
"""

from __future__ import annotations

import io
import re
import threading
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import cssselect2  # type: ignore[import-untyped]
import pydyf  # type: ignore[import-untyped]
from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

FONT_FAMILY = "Dorsum Report Sans"
FALLBACK_FONTS = '"DejaVu Sans", Helvetica, Arial, sans-serif'
SCHEME = "dorsum-memory"
_FONT_URLS = {"normal": f"{SCHEME}:font-normal", "bold": f"{SCHEME}:font-bold"}
_FONT_FILES = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
_FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
    Path("/opt/homebrew/share/fonts"),
    Path("/Library/Fonts"),
)
_FONT_SUBDIRS = ("truetype/dejavu", "dejavu", "TTF", "dejavu-sans-fonts", "ttf-dejavu", "")
# What reports are written in: the Latin of English, Spanish and most European names, typographic
# punctuation, and the few symbols the reports and the knowledge base use. Kept short because
# each glyph costs time in every PDF; any other character is set in a system font.
_UNICODE_RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x017F),
    (0x0218, 0x021B),
    (0x2000, 0x2027),
    (0x2030, 0x203A),
    (0x20AC, 0x20AC),
    (0x2122, 0x2122),
    (0x2190, 0x2193),
    (0x2212, 0x2212),
    (0x2264, 0x2265),
    (0x25A0, 0x25A1),
    (0x25B2, 0x25BC),
    (0x25C6, 0x25CF),
    (0x2600, 0x2600),
    (0x26A0, 0x26A0),
    (0x2713, 0x2718),
)
SVG = "image/svg+xml"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Resource:
    """Bytes a document refers to by address, with their media type."""

    data: bytes
    media_type: str


class MemoryFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
    """Serves the given resources and refuses every other address (file, http, data...)."""

    def __init__(self, served: Mapping[str, Resource]) -> None:
        super().__init__()
        self._served = dict(served)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        resource = self._served.get(url)
        if resource is None:
            raise ValueError(f"not served in reports: {url[:80]}")
        return URLFetcherResponse(url, resource.data, {"Content-Type": resource.media_type})


def write_pdf(html: str, *, stylesheet: str, served: Mapping[str, Resource] | None = None) -> bytes:
    """The PDF of `html` laid out with the named stylesheet (see `stylesheet_text`), its
    images and other resources taken from `served` only."""
    served = served or {}
    style, fonts, counters = _prepared(stylesheet)
    texts = [html, *(r.data.decode() for r in served.values() if r.media_type == SVG)]
    with _LOCK, _default_compression():
        document = _document(html, MemoryFetcher(served))
        pdf: bytes = document.write_pdf(
            stylesheets=[style],
            font_config=fonts,
            counter_style=counters,
            full_fonts=not _harfbuzz_subsets() and _only_report_fonts(texts),
        )
    return pdf


class _DefaultLevelZlib:
    """The zlib module, but compressing at zlib's default level whatever level is asked for."""

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(*_args: Any, **_kwargs: Any) -> Any:
        return zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION)


@contextmanager
def _default_compression() -> Iterator[None]:
    """pydyf deflates every stream of the PDF at level 9: on a report's content streams that
    took about a twentieth of the whole render, for a file under 1% smaller than at zlib's
    default level (6), which is used instead while rendering. If pydyf no longer compresses
    through its module's `zlib`, nothing is changed."""
    if getattr(pydyf, "zlib", None) is not zlib:
        yield
        return
    pydyf.zlib = _DefaultLevelZlib()
    try:
        yield
    finally:
        pydyf.zlib = zlib


def _document(html: str, fetcher: MemoryFetcher) -> Any:
    """WeasyPrint's document for `html`, parsed as XML when it is well-formed XML.

    WeasyPrint parses HTML with tinyhtml5, written in Python: for a report, more time than
    laying out a page. The report templates write XHTML syntax (void elements closed, every
    attribute quoted, only XML's own entities), so their output is parsed in C by expat into
    the same tree; anything else, or a WeasyPrint whose document is built differently, goes
    through WeasyPrint's own parser."""
    root = _xml_root(html)
    if root is not None:
        try:
            document = HTML.__new__(HTML)
            document.base_url = None
            document.url_fetcher = fetcher
            document.media_type = "print"
            document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                root, content_language=None
            )
            document.etree_element = document.wrapper_element.etree_element
            return document
        except Exception:  # an internal of WeasyPrint's moved: parse as it does
            pass
    return HTML(string=html, url_fetcher=fetcher)


# Elements whose text HTML reads otherwise than XML (raw text, a first newline dropped).
_HTML_TEXT_ELEMENTS = frozenset(
    {"pre", "textarea", "listing", "plaintext", "xmp", "style", "script", "noscript", "template"}
)


def _xml_root(html: str) -> ElementTree.Element | None:
    """The document's root element if `html` is an XHTML-syntax <html> document without
    namespaces (as tinyhtml5 leaves HTML's elements for WeasyPrint) and without elements whose
    text HTML parses differently, else None."""
    try:
        root = ElementTree.fromstring(html)
    except ElementTree.ParseError:
        return None
    if root.tag != "html" or any(
        not isinstance(e.tag, str) or "}" in e.tag or e.tag in _HTML_TEXT_ELEMENTS
        for e in root.iter()
    ):
        return None
    if root.find("head") is None or root.find("body") is None:
        return None
    return root


@lru_cache(maxsize=1)
def _harfbuzz_subsets() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz-Subset (in C, fast) rather than fontTools.
    With it, subsetting the report's fonts costs next to nothing and makes the PDF smaller."""
    try:
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

        return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))
    except Exception:  # an internal of WeasyPrint's: if it moves, assume fontTools
        return False


def _only_report_fonts(texts: list[str]) -> bool:
    """Whether every character is in the report's own fonts. Then they are embedded whole
    (they are small), which spares subsetting them on every call; otherwise a system font is
    used too, and fonts are subset as usual so that it does not go into the PDF whole."""
    outside = _outside_report_fonts()
    return outside is not None and not any(outside.search(text) for text in texts)


@lru_cache(maxsize=1)
def _outside_report_fonts() -> re.Pattern[str] | None:
    """A pattern finding any character the report's fonts lack (white space aside)."""
    fonts = _report_fonts()
    if not fonts:
        return None
    covered = set.intersection(
        *(set(TTFont(io.BytesIO(data)).getBestCmap()) for data in fonts.values())
    )
    covered |= {ord(space) for space in "\t\n\r"}
    return re.compile(f"[^{''.join(_class_ranges(sorted(covered)))}]")


def _class_ranges(codes: list[int]) -> list[str]:
    """Sorted code points as regex character class ranges ("\\u0041-\\u005a", ...)."""
    ranges: list[str] = []
    first = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code != previous + 1:
            ranges.append(f"\\u{first:04x}-\\u{previous:04x}")
            first = code
        previous = code
    return ranges


def font_stack() -> str:
    """The font-family list text is set in: the report's font first, when it could be made."""
    return f'"{FONT_FAMILY}", {FALLBACK_FONTS}' if _report_fonts() else FALLBACK_FONTS


def stylesheet_text(name: str) -> str:
    """A stylesheet from the report templates, as text."""
    return (resources.files("dorsum.reports") / "templates" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def _prepared(name: str) -> tuple[Any, Any, Any]:
    """The stylesheet `name`, parsed, with the font configuration and the counter styles its
    `@font-face` and `@counter-style` rules go into (WeasyPrint needs both again to render)."""
    fonts = FontConfiguration()
    counters = CounterStyle()
    faces = "".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{_FONT_URLS[weight]}"); '
        f"font-weight: {weight}; }}\n"
        for weight in _report_fonts()
    )
    served = {
        _FONT_URLS[weight]: Resource(data, "font/ttf") for weight, data in _report_fonts().items()
    }
    family = f"html {{ font-family: {font_stack()}; }}\n"
    with _LOCK:
        style = CSS(
            string=faces + stylesheet_text(name) + family,
            font_config=fonts,
            counter_style=counters,
            url_fetcher=MemoryFetcher(served),
        )
    return style, fonts, counters


@lru_cache(maxsize=1)
def _report_fonts() -> dict[str, bytes]:
    """The report's regular and bold font, cut down (empty if DejaVu Sans is not installed)."""
    found = {weight: _find_font(filename) for weight, filename in _FONT_FILES.items()}
    if any(path is None for path in found.values()):
        return {}
    try:
        return {weight: _cut_down(path) for weight, path in found.items() if path is not None}
    except Exception:  # a damaged or unusual font file: the system fonts do the job, slower
        return {}


def _find_font(filename: str) -> Path | None:
    for root in _FONT_DIRS:
        for sub in _FONT_SUBDIRS:
            if (root / sub / filename).is_file():
                return root / sub / filename
    for root in _FONT_DIRS:
        if root.is_dir():
            for path in root.rglob(filename):
                return path
    return None


def _cut_down(path: Path) -> bytes:
    """The font at `path` with only the report's characters, and no GSUB or GPOS tables."""
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "MATH", "FFTM"]
    options.legacy_kern = True  # the `kern` table keeps the letter pairs kerned
    options.hinting = False  # WeasyPrint drops hinting from the PDF anyway
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(
        unicodes=[code for first, last in _UNICODE_RANGES for code in range(first, last + 1)]
    )
    font = TTFont(str(path))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
