"""Reading a Bulk export: every line read exactly once however files are cut into pieces,
gzip and plain alike, and malformed lines refused with a reason that never quotes them."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsum.screening.export import ExportError, bulk_files, piece_lines, pieces_of
from dorsum.screening.ndjson import parse_line, why_malformed

LINES = st.lists(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=30),
    max_size=40,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=LINES, range_bytes=st.integers(min_value=1, max_value=64))
def test_pieces_read_every_line_once_in_order(
    tmp_path: Path, lines: list[str], range_bytes: int
) -> None:
    """Cut into byte ranges of any size, a file's pieces give back exactly its lines."""
    path = tmp_path / "Observation.ndjson"
    path.write_bytes("".join(line + "\n" for line in lines).encode())
    read = [
        line for piece in pieces_of([path], range_bytes=range_bytes) for line in piece_lines(piece)
    ]
    assert [line.decode().rstrip("\n") for line in read] == lines


def test_a_last_line_without_a_newline_is_read(tmp_path: Path) -> None:
    """A file that does not end in a newline still gives its last line."""
    path = tmp_path / "Patient.ndjson"
    path.write_bytes(b'{"a":1}\n{"b":2}')
    pieces = pieces_of([path], range_bytes=5)
    assert [line for piece in pieces for line in piece_lines(piece)] == [b'{"a":1}\n', b'{"b":2}']


def test_gzip_files_are_one_piece_read_whole(tmp_path: Path) -> None:
    """A gzipped file cannot be cut, so it is one piece with all its lines."""
    path = tmp_path / "Patient.ndjson.gz"
    path.write_bytes(gzip.compress(b"one\ntwo\n"))
    (piece,) = pieces_of([path], range_bytes=1)
    assert list(piece_lines(piece)) == [b"one\n", b"two\n"]


def test_bulk_files_are_the_ndjson_files_by_name(tmp_path: Path) -> None:
    """Plain and gzipped NDJSON files count; other files in the folder do not."""
    for name in ("Patient.ndjson", "Condition.ndjson.gz", "manifest.json", "notes.txt"):
        (tmp_path / name).write_text("")
    assert [p.name for p in bulk_files(tmp_path)] == ["Condition.ndjson.gz", "Patient.ndjson"]


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_a_folder_without_an_export_is_a_clear_error(tmp_path: Path, make: str) -> None:
    """No folder, or no NDJSON in it, is an error naming the folder."""
    folder = tmp_path / "nothing" if make == "missing" else tmp_path
    with pytest.raises(ExportError, match=str(folder)):
        bulk_files(folder)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"resourceType": "Patient", "id": "x"', "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"id": "x"}', "no resourceType"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_lines_are_refused_with_a_reason(line: bytes, reason: str) -> None:
    """A line that is not a resource parses to None, and the reason does not quote it."""
    assert parse_line(line) is None
    assert why_malformed(line).startswith(reason)
    assert '"x"' not in why_malformed(line)


def test_a_resource_line_parses_to_its_object() -> None:
    """A JSON object with a resourceType is the resource."""
    assert parse_line(b'{"resourceType":"Patient","id":"p1"}\n') == {
        "resourceType": "Patient",
        "id": "p1",
    }
