"""`dorsum kb`: check the knowledge base, and show any entry with its sources."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import BaseModel
from rich.console import Console
from rich.syntax import Syntax

from dorsum.core.errors import KnowledgeBaseError
from dorsum.core.knowledge import KnowledgeBase

kb_app = typer.Typer(help="Check and browse the knowledge base.", no_args_is_help=True)
console = Console()
stderr = Console(stderr=True)


@kb_app.command("check")
def check(
    path: Annotated[
        Path | None,
        typer.Option(help="A knowledge-base directory to check instead of the shipped one."),
    ] = None,
) -> None:
    """Validate every entry: unique ids, resolved references, every rule sourced, nothing
    unverified used. Exit status 1 if any check fails."""
    from dorsum.knowledge import read_knowledge_base

    try:
        kb, report = read_knowledge_base(path)
    except KnowledgeBaseError as error:
        _print_problems(error.problems)
        raise typer.Exit(1) from None
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if not report.ok:
        _print_problems(report.problems)
        raise typer.Exit(1)
    console.print(
        f"[green]✓[/] knowledge base {kb.version}: {len(kb.sources)} sources, "
        f"{len(kb.conditions)} conditions, {len(kb.treatments)} treatments, "
        f"{len(kb.rules)} rules, {len(kb.referrals)} referral rules, {len(kb.advice)} advice "
        f"items, {len(kb.conflicts)} recorded conflicts. All checks passed.",
        highlight=False,
    )


@kb_app.command("matrix")
def matrix() -> None:
    """Print the contraindication matrix: every patient factor against every treatment
    (X excluded, W waits until a date, C caution, · no interaction, ? undecided). Exit status
    1 if any pair is undecided."""
    from rich.markdown import Markdown

    from dorsum.core.knowledge.matrix import build_matrix
    from dorsum.knowledge import read_knowledge_base

    kb, _report = read_knowledge_base()
    console.print(Markdown("\n".join(matrix_lines(kb))))
    cells = build_matrix(kb)
    gaps = [f"undecided: {c.factor} x {c.treatment}" for c in cells if not c.decided]
    gaps += [f"contradictory: {c.factor} x {c.treatment}" for c in cells if c.contradictory]
    if gaps:
        _print_problems(gaps)
        raise typer.Exit(1)
    console.print(f"[green]✓[/] no undecided pair ({len(cells)} cells).")


def matrix_lines(kb: KnowledgeBase) -> list[str]:
    """The matrix as a Markdown table: factors down, treatments across (numbered)."""
    from dorsum.core.knowledge.matrix import build_matrix

    cells = {(cell.factor, cell.treatment): cell for cell in build_matrix(kb)}
    treatments = [t.id for t in kb.treatments]
    lines = [
        "| factor | " + " | ".join(str(n) for n in range(1, len(treatments) + 1)) + " |",
        "| --- |" + " :-: |" * len(treatments),
    ]
    for factor in kb.factors:
        marks = (cells[(factor.id, t)].symbol for t in treatments)
        lines.append(f"| {factor.name} (`{factor.id}`) | " + " | ".join(marks) + " |")
    lines.append("")
    lines.append("Treatments: " + ", ".join(f"{n} `{t}`" for n, t in enumerate(treatments, 1)))
    return lines


def _print_problems(problems: list[str]) -> None:
    stderr.print(f"[bold red]✗ {len(problems)} problem(s):[/]", highlight=False)
    for problem in problems:
        stderr.print(f"  - {problem}", highlight=False)


@kb_app.command("list")
def list_entries() -> None:
    """List every entry id, by kind."""
    from dorsum.knowledge import load_knowledge_base

    for kind, entries in _entries(load_knowledge_base()).items():
        console.print(f"[bold]{kind}[/] ({len(entries)})", highlight=False)
        console.print("  " + ", ".join(entries), highlight=False)


@kb_app.command("show")
def show(entry_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Print one entry (condition, treatment, indication, rule, source...) with its sources."""
    from dorsum.knowledge import load_knowledge_base

    kb = load_knowledge_base()
    found = _find(kb, entry_id)
    if found is None:
        known = [i for ids in _entries(kb).values() for i in ids]
        close = difflib.get_close_matches(entry_id, known, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        stderr.print(
            f"[bold red]error:[/] no knowledge-base entry {entry_id!r}.{hint} "
            "`dorsum kb list` shows every id.",
            highlight=False,
        )
        raise typer.Exit(2)
    kind, entry = found
    console.print(f"[bold]{kind}[/] {entry_id}", highlight=False)
    data = entry.model_dump(mode="json", exclude_none=True)
    console.print(Syntax(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "yaml"))
    titles = {source.id: source.title for source in kb.sources}
    cited = sorted(set(_source_ids(data)) - {entry_id})
    if cited:
        console.print("[bold]Sources[/]")
        for source_id in cited:
            console.print(f"  [cyan]{source_id}[/]  {titles.get(source_id, '?')}", highlight=False)


def _entries(kb: KnowledgeBase) -> dict[str, list[str]]:
    return {
        "conditions": [c.id for c in kb.conditions],
        "treatments": [t.id for t in kb.treatments],
        "indications": [i.id for t in kb.treatments for i in t.indications],
        "rules": [r.id for r in kb.rules],
        "referrals": [r.id for r in kb.referrals],
        "advice": [a.id for a in kb.advice],
        "conflicts": [c.id for c in kb.conflicts],
        "physician-only therapies": [t.id for t in kb.referral_therapies],
        "sources": [s.id for s in kb.sources],
    }


def _find(kb: KnowledgeBase, entry_id: str) -> tuple[str, BaseModel] | None:
    groups: list[tuple[str, tuple[BaseModel, ...]]] = [
        ("condition", kb.conditions),
        ("treatment", kb.treatments),
        ("indication", tuple(i for t in kb.treatments for i in t.indications)),
        ("rule", kb.rules),
        ("referral rule", kb.referrals),
        ("advice", kb.advice),
        ("conflict", kb.conflicts),
        ("physician-only therapy", kb.referral_therapies),
        ("source", kb.sources),
    ]
    for kind, entries in groups:
        for entry in entries:
            if getattr(entry, "id", None) == entry_id:
                return kind, entry
    return None


def _source_ids(data: object) -> list[str]:
    """Every id listed under a `sources` or `decided_by` key, at any depth."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in {"sources", "decided_by"} and isinstance(value, list):
                found.extend(str(v) for v in value)
            else:
                found.extend(_source_ids(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_source_ids(item))
    return found
