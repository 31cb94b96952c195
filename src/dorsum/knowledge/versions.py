"""Earlier knowledge-base versions, kept loadable so a re-screen can say what changed.

`dorsum screen --since 2026.11.0` assesses every patient under the shipped knowledge base and
under the earlier one, and reports the difference. An earlier version is a verbatim copy of the
data files in `versions/<version>/` (its `meta.yaml` names the version). Releasing a new version:
copy `data/*.yaml` to `versions/<old version>/` *before* changing `data/`, so the version being
replaced stays loadable (docs/screening.md, "Knowledge-base versions").
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from dorsum.core.errors import DorsumError, KnowledgeBaseError
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.knowledge import data_directory, default_index, load_knowledge_base


class UnknownVersion(DorsumError):
    """Neither an archived version nor a directory: a typing mistake, not a broken knowledge
    base."""


def versions_directory() -> Path:
    """Where archived versions live, one folder per version."""
    return Path(str(resources.files("dorsum.knowledge") / "versions"))


def current_version() -> str:
    """The version of the shipped knowledge base, read from its meta.yaml."""
    return _version_in(data_directory())


def archived_versions() -> dict[str, Path]:
    """Archived versions by name, each with its folder."""
    folder = versions_directory()
    if not folder.is_dir():
        return {}
    return {
        path.name: path
        for path in sorted(folder.iterdir())
        if path.is_dir() and (path / "meta.yaml").is_file()
    }


def available_versions() -> list[str]:
    """Every version `load_version` accepts by name: the archived ones and the shipped one."""
    return sorted({*archived_versions(), current_version()}, key=_version_key)


def load_version(version_or_dir: str) -> KnowledgeIndex:
    """The knowledge base of a version name or a directory of data files, checked and indexed.

    The shipped version is the process's default index, so assessing "since" the current version
    shares every memo with the current assessment; but an archived copy that differs from the
    shipped data (edited without a new version in meta.yaml) is loaded as archived, so the
    changes still show.
    """
    archived = archived_versions().get(version_or_dir)
    if version_or_dir == current_version() and (archived is None or _same_data(archived)):
        return default_index()
    if archived is not None:
        return _load_directory(archived)
    path = Path(version_or_dir)
    if path.is_dir():
        return _load_directory(path.resolve())
    known = ", ".join(available_versions())
    raise UnknownVersion(
        f"there is no knowledge-base version or directory {version_or_dir!r} (versions: {known})"
    )


@lru_cache(maxsize=8)
def _load_directory(directory: Path) -> KnowledgeIndex:
    return KnowledgeIndex(load_knowledge_base(directory))


def _same_data(directory: Path) -> bool:
    """Whether a folder holds exactly the shipped data files."""

    def files(folder: Path) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in sorted(folder.glob("*.yaml"))}

    return files(directory) == files(data_directory())


def _version_in(directory: Path) -> str:
    try:
        meta = yaml.safe_load((directory / "meta.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeBaseError([f"{directory}/meta.yaml: cannot be read ({error})"]) from None
    version = meta.get("version") if isinstance(meta, dict) else None
    if not isinstance(version, str):
        raise KnowledgeBaseError([f"{directory}/meta.yaml: version: a text like 2026.11.0"])
    return version


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in version.split("."))
