"""Knowledge-base versions: the shipped one and archived ones load by name, a directory loads by
path, and an unknown name is a clear error listing the versions there are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dorsum.core.errors import KnowledgeBaseError
from dorsum.knowledge import data_directory, default_index
from dorsum.knowledge.versions import (
    UnknownVersion,
    archived_versions,
    available_versions,
    current_version,
    load_version,
)


def changed_copy(tmp_path: Path, version: str, old: str, new: str) -> Path:
    """A copy of the shipped data with one text replaced in rules.yaml and a new version."""
    folder = tmp_path / version
    shutil.copytree(data_directory(), folder)
    rules = folder / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert old in text
    rules.write_text(text.replace(old, new, 1), encoding="utf-8")
    meta = folder / "meta.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace(current_version(), version), encoding="utf-8"
    )
    return folder


def test_the_shipped_version_is_archived_verbatim() -> None:
    """Every data file of the current version has an identical copy in versions/<version>/."""
    archived = archived_versions()[current_version()]
    for path in sorted(data_directory().glob("*.yaml")):
        assert (archived / path.name).read_bytes() == path.read_bytes(), path.name


def test_every_archived_version_loads_under_its_own_name() -> None:
    """An archived folder's meta.yaml names its version (the loaded one adds a digest)."""
    for version in archived_versions():
        assert load_version(version).version.split("+")[0] == version


def test_the_current_version_is_the_default_index() -> None:
    """Naming the shipped version shares the process's default index (and its memos)."""
    assert load_version(current_version()) is default_index()
    assert current_version() in available_versions()


def test_an_archive_of_the_current_version_that_differs_is_loaded_as_archived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """data/ edited without a new version: --since the current version name still compares
    against the archived files, not the edited ones."""
    from dorsum.knowledge import versions

    changed_copy(tmp_path, current_version(), "months: 6}", "months: 9}")
    monkeypatch.setattr(versions, "versions_directory", lambda: tmp_path)
    loaded = load_version(current_version())
    assert loaded is not default_index()
    assert loaded.version != default_index().version


def test_a_directory_loads_as_a_version(tmp_path: Path) -> None:
    """A directory of data files loads with the version its meta.yaml names."""
    folder = changed_copy(tmp_path, "2099.1.0", "months: 6}", "months: 9}")
    assert load_version(str(folder)).version.split("+")[0] == "2099.1.0"


def test_an_unknown_version_names_the_versions_there_are() -> None:
    """A misspelt version is refused by a message listing the available ones."""
    with pytest.raises(UnknownVersion, match=current_version()):
        load_version("1999.1.0")


def test_a_broken_directory_is_refused(tmp_path: Path) -> None:
    """A directory whose data fails the checks does not load."""
    folder = changed_copy(tmp_path, "2099.2.0", "sources: [asds-2017", "sources: [no-such-source")
    with pytest.raises(KnowledgeBaseError):
        load_version(str(folder))
