"""The timeline (gantt.py's chart) as the PDF shows it: the drawing as an SVG image, its words
as HTML text laid over it.

WeasyPrint sets SVG text one letter at a time (a text layout and a draw call per letter), so the
chart's few hundred letters cost more than all its shapes. Set as HTML, each label is one line of
text. The web page keeps gantt.py's SVG as it is; here its <text> elements are taken out of it
and each becomes a label placed where it was drawn, in millimetres on a chart of known width.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree

from dorsum.core.plan import Plan
from dorsum.i18n import Localizer
from dorsum.reports.gantt import gantt_svg

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH_MM = 180.0  # the width of an A4 page inside the report's 15 mm side margins
# Where the baseline sits below the top of a line box of `line-height: 1`, in ems: the half
# leading plus the ascent, from DejaVu Sans's metrics (ascent 0.928, descent 0.236).
BASELINE_EM = (1 - (0.928 + 0.236)) / 2 + 0.928
TEXT_COLOUR = "#1c2833"  # the report's text colour (patient_report.css), the chart's own too
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}")
_PLAIN_TEXT = re.compile(r"<text\b[^>]*>[^<]+</text>")  # a <text> with no element inside


@dataclass(frozen=True)
class Label:
    """A word or line of the chart, placed in millimetres from the chart's top left corner."""

    text: str
    left: float
    top: float
    width: float
    size: float  # font size, mm
    bold: bool
    colour: str
    align: str  # left | right | center

    @property
    def style(self) -> str:
        """The label's inline CSS (numbers and a colour from the chart, never user text), with
        only what differs from the report's text (each declaration is parsed on every render)."""
        style = (
            f"left:{self.left:.2f}mm;top:{self.top:.2f}mm;width:{self.width:.2f}mm;"
            f"font-size:{self.size:.3f}mm"
        )
        if self.bold:
            style += ";font-weight:bold"
        if self.colour.lower() != TEXT_COLOUR:
            style += f";color:{self.colour}"
        if self.align != "left":
            style += f";text-align:{self.align}"
        return style


@dataclass(frozen=True)
class Chart:
    """The drawing without its words, its size on paper, and the words."""

    svg: str
    height: float  # mm, for WIDTH_MM wide
    labels: list[Label]


def pdf_chart(plan: Plan, localizer: Localizer) -> Chart:
    """The plan's timeline for the PDF: the drawing, and its words as labels."""
    svg = gantt_svg(plan, localizer)
    root = ElementTree.fromstring(svg)
    _, _, view_width, view_height = (float(n) for n in root.attrib["viewBox"].split())
    scale = WIDTH_MM / view_width
    labels = [
        _label(node, scale, view_width)
        for node in root.iter(f"{{{SVG_NS}}}text")
        if node.text and not len(node)  # plain text, as _PLAIN_TEXT finds it in the source
    ]
    drawing = _LINE_RUN.sub(_one_path, _PLAIN_TEXT.sub("", svg))
    return Chart(svg=drawing, height=view_height * scale, labels=labels)


# Two or more <line>s in a row drawn alike (the month grid): WeasyPrint draws an SVG node by
# node, at a cost per node far above that of a segment, so each such run becomes one <path>.
_COORDINATES = r'x1="[-\d.]+" y1="[-\d.]+" x2="[-\d.]+" y2="[-\d.]+"'
_LINE_RUN = re.compile(
    rf'<line {_COORDINATES}(?P<paint>(?: [a-z-]+="[^"<>]*")*)/>'
    rf"(?:<line {_COORDINATES}(?P=paint)/>)+"
)
_LINE_ENDS = re.compile(r'<line x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)"')


def _one_path(run: re.Match[str]) -> str:
    """A run of lines painted alike as one <path> of as many segments."""
    segments = " ".join(f"M{x1},{y1} L{x2},{y2}" for x1, y1, x2, y2 in _LINE_ENDS.findall(run[0]))
    return f'<path d="{segments}"{run["paint"]}/>'


def _label(node: ElementTree.Element, scale: float, view_width: float) -> Label:
    """The HTML label for an SVG <text>: same words, size, weight, colour and anchor."""
    x, y = float(node.get("x", "0")), float(node.get("y", "0"))
    size = float(node.get("font-size", "10"))
    anchor = node.get("text-anchor", "start")
    if anchor == "end":
        left, width, align = 0.0, x, "right"
    elif anchor == "middle":
        half = min(x, view_width - x)
        left, width, align = x - half, 2 * half, "center"
    else:
        left, width, align = x, view_width - x, "left"
    return Label(
        text=node.text or "",
        left=left * scale,
        top=(y - BASELINE_EM * size) * scale,
        width=width * scale,
        size=size * scale,
        bold=node.get("font-weight") == "bold",
        colour=colour if _COLOUR.fullmatch(colour := node.get("fill", "")) else "#000",
        align=align,
    )
