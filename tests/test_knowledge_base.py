"""The knowledge base is data reviewed like code: these checks run entry by entry, so a failure
names the entry to fix.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dorsum.cli import app
from dorsum.core.errors import KnowledgeBaseError
from dorsum.core.knowledge.models import Span
from dorsum.knowledge import data_directory, load_knowledge_base, read_knowledge_base

KB = load_knowledge_base()
SOURCES = {source.id for source in KB.sources}
LOW = {source.id for source in KB.sources if source.low_quality}
runner = CliRunner()


def test_the_shipped_knowledge_base_passes_every_check() -> None:
    """`dorsum kb check` finds no problem in what we ship."""
    _, report = read_knowledge_base()
    assert report.problems == []


def test_kb_check_command_reports_success() -> None:
    """The CLI check exits 0 and names the version it checked."""
    result = runner.invoke(app, ["kb", "check"])
    assert result.exit_code == 0, result.output
    assert KB.version in result.output


RULES: list[Any] = [*KB.rules, *KB.referrals, *KB.advice]


@pytest.mark.parametrize("entry", RULES, ids=[entry.id for entry in RULES])
def test_every_rule_cites_known_sources_and_is_verified(entry: Any) -> None:
    """Each rule, referral and advice item names real sources and is not unverified."""
    assert entry.sources
    assert set(entry.sources) <= SOURCES
    assert entry.status != "unverified"


INDICATIONS = [i for t in KB.treatments for i in t.indications]


@pytest.mark.parametrize("indication", INDICATIONS, ids=[i.id for i in INDICATIONS])
def test_every_indication_is_sourced_and_explained(indication: Any) -> None:
    """Each indication has sources, an evidence level and a plain-language rationale."""
    assert set(indication.sources) <= SOURCES
    assert indication.status != "unverified"
    assert indication.rationale.strip().endswith(".")
    assert indication.id.startswith(
        next(t.id for t in KB.treatments if indication in t.indications)
    )


@pytest.mark.parametrize("treatment", KB.treatments, ids=[t.id for t in KB.treatments])
def test_every_treatment_says_how_it_is_scheduled(treatment: Any) -> None:
    """Each treatment gives sourced timing figures, or says why they are unknown."""
    spans = [v for v in treatment.schedule.__dict__.values() if isinstance(v, Span)]
    assert spans or treatment.schedule.unknown
    for span in spans:
        assert set(span.sources) <= SOURCES
        assert span.status != "unverified"


@pytest.mark.parametrize("conflict", KB.conflicts, ids=[c.id for c in KB.conflicts])
def test_every_conflict_is_decided_by_a_safer_non_seed_source(conflict: Any) -> None:
    """Both sides are kept; the decision rests on guideline or peer-reviewed sources."""
    assert len(conflict.statements) >= 2
    assert not set(conflict.decided_by) & LOW
    assert conflict.decision


@pytest.mark.parametrize(
    "conflict_id",
    ["conflict.dermabrasion-recovery", "conflict.sun-exposure", "conflict.peel-depth"],
)
def test_the_seed_conflicts_named_in_the_brief_are_recorded(conflict_id: str) -> None:
    """Seed 000's 7 days, seed 003's sun and seed 000's deep-scar peels are all marked."""
    conflict = next(c for c in KB.conflicts if c.id == conflict_id)
    statement_sources = {s for st in conflict.statements for s in st.sources}
    assert statement_sources & {"seed-000", "seed-003"}


def test_dermabrasion_downtime_follows_the_guideline_not_the_seed() -> None:
    """Downtime is Cleveland Clinic's 10-14 days, not seed 000's 7."""
    dermabrasion = next(t for t in KB.treatments if t.id == "dermabrasion")
    assert dermabrasion.schedule.downtime is not None
    assert (dermabrasion.schedule.downtime.low, dermabrasion.schedule.downtime.high) == (10, 14)


def test_only_verified_icd10_codes_are_shipped() -> None:
    """Codes are the ICD-10 ones FACTS §3.1 verified; no SNOMED or RxNorm is invented."""
    verified = {"L70.0", "L90.5", "L91.0", "L90.6", "E65"}
    codes = {(code.system, code.code) for c in KB.conditions for code in c.codes}
    assert {system for system, _ in codes} <= {"icd10cm", "icd10"}
    assert {code for _, code in codes} <= verified


def test_physician_only_therapies_are_referral_only() -> None:
    """Oral isotretinoin, oral antibiotics and hormonal therapy are listed, never treatments."""
    therapies = {t.id for t in KB.referral_therapies}
    assert therapies == {"oral_isotretinoin", "oral_antibiotics", "hormonal_therapy"}
    assert not therapies & {t.id for t in KB.treatments}


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(data_directory(), target)
    return target


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_check_names_a_duplicate_id(tmp_path: Path) -> None:
    """Two rules with one id are reported by that id."""
    kb = _copy(tmp_path)
    _edit(kb / "rules.yaml", lambda rules: rules.append(dict(rules[0])))
    _, report = read_knowledge_base(kb)
    assert any("c1.isotretinoin.wait" in p and "2 times" in p for p in report.problems)


def test_check_names_an_unknown_source(tmp_path: Path) -> None:
    """A rule citing a source that does not exist is reported with both names."""
    kb = _copy(tmp_path)
    _edit(kb / "rules.yaml", lambda rules: rules[3].update(sources=["no-such-source"]))
    _, report = read_knowledge_base(kb)
    assert any("no-such-source" in p and "rule" in p for p in report.problems)


def test_check_refuses_an_unverified_rule(tmp_path: Path) -> None:
    """A rule marked unverified must not drive behaviour."""
    kb = _copy(tmp_path)
    _edit(kb / "rules.yaml", lambda rules: rules[5].update(status="unverified"))
    _, report = read_knowledge_base(kb)
    assert any("unverified" in p for p in report.problems)


def test_check_refuses_a_conflict_decided_by_a_seed(tmp_path: Path) -> None:
    """A seed article never decides a conflict."""
    kb = _copy(tmp_path)
    _edit(kb / "conflicts.yaml", lambda conflicts: conflicts[1].update(decided_by=["seed-003"]))
    _, report = read_knowledge_base(kb)
    assert any("low-quality" in p for p in report.problems)


def test_a_schema_error_names_file_entry_and_field(tmp_path: Path) -> None:
    """A bad value is reported as file, entry id and field."""
    kb = _copy(tmp_path)
    _edit(kb / "treatments.yaml", lambda ts: ts[1]["indications"][0].update(fit=7))
    with pytest.raises(KnowledgeBaseError) as caught:
        read_knowledge_base(kb)
    assert "treatments.yaml entry 1 (benzoyl_peroxide)" in str(caught.value)
    assert "indications.0.fit" in str(caught.value)


def test_broken_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    """A YAML syntax error names the file and line, not a traceback."""
    kb = _copy(tmp_path)
    (kb / "advice.yaml").write_text("- id: [unclosed\n")
    result = runner.invoke(app, ["kb", "check", "--path", str(kb)])
    assert result.exit_code == 1
    assert "advice.yaml" in result.output
    assert "line" in result.output


def test_kb_show_prints_an_entry_with_its_sources() -> None:
    """`kb show` prints the entry and the titles of the sources it cites."""
    result = runner.invoke(app, ["kb", "show", "c2.pregnancy.retinoid"])
    assert result.exit_code == 0, result.output
    assert "Topical retinoids are contraindicated" in result.output
    assert "chien-2016  Chien AL" in result.output


def test_kb_show_an_unknown_id_suggests_close_ones() -> None:
    """An unknown id exits 2 and suggests what was probably meant."""
    result = runner.invoke(app, ["kb", "show", "dermabrasio"])
    assert result.exit_code == 2
    assert "dermabrasion" in result.output


def test_kb_list_shows_every_kind() -> None:
    """`kb list` lists treatments, rules and sources."""
    result = runner.invoke(app, ["kb", "list"])
    assert result.exit_code == 0
    for word in ("treatments", "rules", "sources", "cryolipolysis"):
        assert word in result.output
