"""Docs that cannot go stale: generated references are current, and every rule id, command and
reason code is documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

import dorsum
from dorsum.knowledge import load_knowledge_base

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_generated_references_are_up_to_date() -> None:
    """docs/cli.md and docs/rules.md match what `make docs` would write."""
    done = subprocess.run(
        [sys.executable, str(DOCS / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_every_rule_id_is_documented() -> None:
    """Each rule, referral and advice id appears in the docs."""
    text = "\n".join(path.read_text() for path in DOCS.glob("*.md"))
    kb = load_knowledge_base()
    for entry_id in [r.id for r in kb.rules] + [r.id for r in kb.referrals]:
        assert f"`{entry_id}`" in text, entry_id


def test_every_reason_code_in_use_is_explained() -> None:
    """The decision guide explains each reason code dorsum emits."""
    guide = (DOCS / "decisions.md").read_text()
    kb = load_knowledge_base()
    codes = {r.code for r in kb.rules} | {r.code for r in kb.referrals}
    codes |= {"low_evidence", "requires_excluded"}
    for code in sorted(codes):
        assert f"`{code}`" in guide, code


def test_readme_shows_the_two_setup_commands() -> None:
    """The README's set-up is `make demo` and `make test`."""
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme
    assert "make test" in readme


def test_the_intake_example_in_the_docs_is_valid() -> None:
    """The annotated intake in docs/intake.md assesses without error."""
    block = re.search(r"```yaml\n(.*?)```", (DOCS / "intake.md").read_text(), re.S)
    assert block is not None
    result = dorsum.assess(yaml.safe_load(block.group(1)))
    assert {c.id for c in result.conditions} == {
        "acne",
        "acne_scars",
        "stretch_marks",
        "localized_fat",
        "scars",
    }


def test_every_setting_is_documented() -> None:
    """Each DORSUM_ setting has a row in docs/webapp.md."""
    from dorsum.settings import Settings

    text = (DOCS / "webapp.md").read_text()
    for name in Settings.model_fields:
        assert f"`DORSUM_{name.upper()}`" in text, name
