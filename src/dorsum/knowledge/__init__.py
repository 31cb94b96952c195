"""Read the knowledge base's YAML files (shipped in `data/`) into a validated `KnowledgeBase`.

This is the only place that touches the files. Loading validates every entry with pydantic and
then runs the cross-entry checks, so a knowledge base that loads is one `dorsum kb check`
passes. The default knowledge base is loaded once per process.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dorsum.core.errors import KnowledgeBaseError
from dorsum.core.knowledge import (
    CheckReport,
    KnowledgeBase,
    KnowledgeIndex,
    check_knowledge_base,
)

FILES: dict[str, str] = {
    "meta": "meta.yaml",
    "sources": "sources.yaml",
    "conditions": "conditions.yaml",
    "treatments": "treatments.yaml",
    "rules": "rules.yaml",
    "factors": "factors.yaml",
    "no_interactions": "no_interactions.yaml",
    "referrals": "referrals.yaml",
    "advice": "advice.yaml",
    "conflicts": "conflicts.yaml",
    "referral_therapies": "referral_therapies.yaml",
    "sequences": "sequences.yaml",
    "general_call_clinic": "call_clinic.yaml",
}


def data_directory() -> Path:
    """Where the shipped YAML lives."""
    return Path(str(resources.files("dorsum.knowledge") / "data"))


def read_knowledge_base(directory: Path | None = None) -> tuple[KnowledgeBase, CheckReport]:
    """Parse and validate every file; raise only if an entry cannot be read at all."""
    directory = directory or data_directory()
    raw: dict[str, Any] = {}
    digest = hashlib.sha256()
    for field, name in FILES.items():
        path = directory / name
        try:
            text = path.read_bytes()
        except OSError as error:
            raise KnowledgeBaseError([f"{name}: cannot be read ({error.strerror})"]) from None
        digest.update(name.encode() + b"\0" + text)
        try:
            raw[field] = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise KnowledgeBaseError([f"{name}: not valid YAML: {error}"]) from None
    raw["digest"] = digest.hexdigest()
    try:
        kb = KnowledgeBase.model_validate(raw)
    except ValidationError as error:
        raise KnowledgeBaseError([_describe(detail, raw) for detail in error.errors()]) from None
    return kb, check_knowledge_base(kb)


def load_knowledge_base(directory: Path | None = None) -> KnowledgeBase:
    """A knowledge base that passed every check, or `KnowledgeBaseError` listing the problems."""
    kb, report = read_knowledge_base(directory)
    if not report.ok:
        raise KnowledgeBaseError(report.problems)
    return kb


@lru_cache(maxsize=1)
def default_index() -> KnowledgeIndex:
    """The shipped knowledge base, loaded and indexed once."""
    return KnowledgeIndex(load_knowledge_base())


def _describe(detail: Any, raw: dict[str, Any]) -> str:
    loc = list(detail["loc"])
    field = str(loc.pop(0)) if loc else "knowledge base"
    where = FILES.get(field, field)
    if loc and isinstance(loc[0], int):
        position = loc.pop(0)
        entries = raw.get(field) or []
        entry_id = entries[position].get("id") if isinstance(entries[position], dict) else None
        where += f" entry {position}" + (f" ({entry_id})" if entry_id else "")
    path = ".".join(str(part) for part in loc)
    return f"{where}: {path + ': ' if path else ''}{detail['msg']}"
