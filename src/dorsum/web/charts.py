"""Progress over visits as two small SVG charts: severity per condition, and lesion counts."""

from __future__ import annotations

from xml.sax.saxutils import escape

from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import N_, Localizer
from dorsum.services.progress import Visit

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 170, 74, 48, 22, 34
SERIES_COLOURS = ["#1f4e79", "#c0392b", "#1e8449", "#b9770e", "#7d3c98"]
COUNT_LABELS = {
    "inflammatory": N_("Red and pus spots"),
    "comedones": N_("Blackheads and whiteheads"),
    "nodular": N_("Nodules and cysts"),
    "atrophic_scars": N_("Sunken scars"),
}


def progress_svg(visits: list[Visit], loc: Localizer, *, index: KnowledgeIndex) -> str:
    """Severity (0-3) and counts at each visit, oldest on the left; conditions named from
    `index`."""
    severity = _chart(
        visits,
        {c: [v.severity.get(c, 0) for v in visits] for c in _conditions(visits)},
        loc,
        title=loc.gettext("Severity at each visit"),
        levels=[
            loc.gettext("absent"),
            loc.gettext("mild"),
            loc.gettext("moderate"),
            loc.gettext("severe"),
        ],
        names={c: loc.kb(index.conditions[c].name) for c in _conditions(visits)},
    )
    counts = {k: [v.counts.get(k, 0) for v in visits] for k in COUNT_LABELS}
    counts = {k: series for k, series in counts.items() if any(series)}
    lesions = _chart(
        visits,
        counts,
        loc,
        title=loc.gettext("Counts at each visit"),
        levels=None,
        names={k: loc.gettext(v) for k, v in COUNT_LABELS.items()},
    )
    return severity + lesions


def _conditions(visits: list[Visit]) -> list[str]:
    seen: dict[str, None] = {}
    for visit in visits:
        seen.update(dict.fromkeys(visit.severity))
    return list(seen)


def _chart(
    visits: list[Visit],
    series: dict[str, list[int]],
    loc: Localizer,
    *,
    title: str,
    levels: list[str] | None,
    names: dict[str, str],
) -> str:
    top = max([3] if levels else [1, *(max(s) for s in series.values())])
    span = max(len(visits) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * i / span

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + 16 * len(series)}" '
        f'role="img" aria-label="{escape(title)}"><text x="0" y="12" font-size="12" '
        f'font-weight="bold">{escape(title)}</text>'
    ]
    ticks = levels or [str(round(top * k / 3)) for k in range(4)]
    for k, label in enumerate(ticks):
        value = k if levels else top * k / 3
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="#e5e8e8"/><text x="{LEFT - 4}" '
            f'y="{y(value) + 4:.1f}" font-size="9" text-anchor="end">{escape(label)}</text>'
        )
    for i, visit in enumerate(visits):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 14}" font-size="9" text-anchor="middle">'
            f"{escape(loc.date(visit.visit_date, 'medium'))}</text>"
        )
    for n, (key, values) in enumerate(series.items()):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        parts += [
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}"/>'
            for i, v in enumerate(values)
        ]
        label = names.get(key, key)
        parts.append(
            f'<rect x="{LEFT}" y="{HEIGHT + 16 * n - 4}" width="10" height="10" '
            f'fill="{colour}"/><text x="{LEFT + 16}" y="{HEIGHT + 16 * n + 5}" '
            f'font-size="10">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
