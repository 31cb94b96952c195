"""Photo stores: the same behaviour on the local disk and in a real S3-compatible server.

The S3 tests talk HTTP to moto's server, started on 127.0.0.1 for this module.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from dorsum.media.local_store import LocalStore
from dorsum.media.s3_store import S3Store
from dorsum.media.store import (
    InvalidKey,
    MissingFile,
    PhotoStore,
    checked_key,
    clinic_key,
    store_from_settings,
)
from dorsum.settings import Settings

JPEG = "image/jpeg"
BAD_KEYS = [
    "../x",
    "/etc/passwd",
    "a/../../x",
    "clinic-1/./x",
    "a//b",
    "a/",
    "",
    "Clinic-1/x.jpg",
    "clinic-1/x y.jpg",
    "clinic-1\\x.jpg",
    "x" * 1025,
]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A local S3-compatible HTTP server on a free port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_store(endpoint: str) -> S3Store:
    """A store on a new, empty bucket of the local server."""
    store = S3Store(
        bucket=f"photos-{uuid.uuid4().hex[:12]}",
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
    )
    store.client.create_bucket(Bucket=store.bucket)
    return store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PhotoStore:
    """Each kind of store, empty: every test using it runs on both."""
    if request.param == "local":
        return LocalStore(tmp_path / "photos")
    endpoint: str = request.getfixturevalue("s3_endpoint")
    return s3_store(endpoint)


def test_put_then_get_returns_the_bytes(store: PhotoStore) -> None:
    """What is put under a key is what get returns."""
    store.put("clinic-1/photos/a.jpg", b"\xff\xd8first", JPEG)
    assert store.get("clinic-1/photos/a.jpg") == b"\xff\xd8first"


def test_put_replaces_what_was_there(store: PhotoStore) -> None:
    """A second put under the same key replaces the first."""
    store.put("clinic-1/a.jpg", b"old", JPEG)
    store.put("clinic-1/a.jpg", b"new", JPEG)
    assert store.get("clinic-1/a.jpg") == b"new"
    assert store.keys() == ["clinic-1/a.jpg"]


def test_get_of_an_absent_key_is_missing(store: PhotoStore) -> None:
    """Getting a key with no file raises MissingFile."""
    with pytest.raises(MissingFile):
        store.get("clinic-1/none.jpg")


def test_delete_removes_and_absent_is_fine(store: PhotoStore) -> None:
    """Deleting removes the file; deleting it again, or a key never used, is no error."""
    store.put("clinic-1/a.jpg", b"a", JPEG)
    store.delete("clinic-1/a.jpg")
    store.delete("clinic-1/a.jpg")
    store.delete("clinic-9/never.jpg")
    with pytest.raises(MissingFile):
        store.get("clinic-1/a.jpg")
    assert store.keys() == []


def test_keys_are_sorted_and_filtered_by_prefix(store: PhotoStore) -> None:
    """keys lists every key, sorted, or those starting with a prefix."""
    for key in ["clinic-2/b.jpg", "clinic-1/thumbs/a.jpg", "clinic-1/a.png", "clinic-1/b.jpg"]:
        store.put(key, key.encode(), JPEG)
    assert store.keys() == [
        "clinic-1/a.png",
        "clinic-1/b.jpg",
        "clinic-1/thumbs/a.jpg",
        "clinic-2/b.jpg",
    ]
    assert store.keys("clinic-1/thumbs/") == ["clinic-1/thumbs/a.jpg"]
    assert store.keys("clinic-1/b") == ["clinic-1/b.jpg"]
    assert store.keys("clinic-3/") == []


def test_clinic_prefixes_keep_clinics_apart(store: PhotoStore) -> None:
    """Clinic 1's listing holds none of clinic 10's files, and the other way round."""
    store.put(clinic_key(1, "photos", "a.jpg"), b"one", JPEG)
    store.put(clinic_key(10, "photos", "a.jpg"), b"ten", JPEG)
    assert store.keys(clinic_key(1)) == ["clinic-1/photos/a.jpg"]
    assert store.keys(clinic_key(10)) == ["clinic-10/photos/a.jpg"]
    assert store.get(clinic_key(10, "photos", "a.jpg")) == b"ten"


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_refused_everywhere(store: PhotoStore, key: str) -> None:
    """A key that could leave the store, or is not lower-case ASCII, is refused by every call."""
    with pytest.raises(InvalidKey):
        store.put(key, b"x", JPEG)
    with pytest.raises(InvalidKey):
        store.get(key)
    with pytest.raises(InvalidKey):
        store.delete(key)
    assert store.keys() == []


@pytest.mark.parametrize("prefix", ["/", "../", "clinic-1//", "/etc"])
def test_invalid_prefixes_are_refused(store: PhotoStore, prefix: str) -> None:
    """keys refuses a prefix no key could start with."""
    with pytest.raises(InvalidKey):
        store.keys(prefix)


def test_local_files_are_private(tmp_path: Path) -> None:
    """Local photo files are 0o600 and their folders 0o700, whatever the umask."""
    old = os.umask(0o022)
    try:
        LocalStore(tmp_path / "photos").put("clinic-1/photos/a.jpg", b"a", JPEG)
    finally:
        os.umask(old)
    root = tmp_path / "photos"
    assert stat.S_IMODE((root / "clinic-1/photos/a.jpg").stat().st_mode) == 0o600
    for folder in [root, root / "clinic-1", root / "clinic-1/photos"]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_local_keys_stay_inside_the_root(tmp_path: Path) -> None:
    """ "../x" and "/etc/passwd" neither write outside the root nor read /etc/passwd."""
    store = LocalStore(tmp_path / "photos")
    with pytest.raises(InvalidKey):
        store.put("../x", b"x", JPEG)
    with pytest.raises(InvalidKey):
        store.get("/etc/passwd")
    assert not (tmp_path / "x").exists()


def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    """After puts, the folder holds only the stored files."""
    store = LocalStore(tmp_path)
    store.put("clinic-1/a.jpg", b"a", JPEG)
    store.put("clinic-1/a.jpg", b"b", JPEG)
    assert sorted(path.name for path in (tmp_path / "clinic-1").iterdir()) == ["a.jpg"]


def test_local_write_that_fails_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write cut short before its rename leaves the old photo whole and no temporary file."""
    store = LocalStore(tmp_path)
    store.put("clinic-1/a.jpg", b"old photo", JPEG)

    def crash(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.put("clinic-1/a.jpg", b"new photo", JPEG)
    monkeypatch.undo()
    assert store.get("clinic-1/a.jpg") == b"old photo"
    assert [path.name for path in (tmp_path / "clinic-1").iterdir()] == ["a.jpg"]


def test_local_keys_ignore_files_that_are_not_keys(tmp_path: Path) -> None:
    """Files whose names are not keys (a stray temporary file, "README.TXT") are not listed."""
    store = LocalStore(tmp_path)
    store.put("clinic-1/a.jpg", b"a", JPEG)
    (tmp_path / "clinic-1" / "~tmpabc").write_bytes(b"half")
    (tmp_path / "README.TXT").write_text("hello")
    assert store.keys() == ["clinic-1/a.jpg"]


def test_local_store_with_no_folder_yet_is_empty(tmp_path: Path) -> None:
    """A store whose folder does not exist yet lists nothing and has nothing to get."""
    store = LocalStore(tmp_path / "not-yet")
    assert store.keys() == []
    with pytest.raises(MissingFile):
        store.get("clinic-1/a.jpg")


def test_s3_keeps_the_content_type(s3_endpoint: str) -> None:
    """An S3 object is served with the content type it was put with."""
    store = s3_store(s3_endpoint)
    store.put("clinic-1/a.png", b"png", "image/png")
    head = store.client.head_object(Bucket=store.bucket, Key="clinic-1/a.png")
    assert head["ContentType"] == "image/png"


def test_s3_keys_ignore_objects_that_are_not_keys(s3_endpoint: str) -> None:
    """Objects put in the bucket by other tools under names that are not keys are not listed."""
    store = s3_store(s3_endpoint)
    store.put("clinic-1/a.jpg", b"a", JPEG)
    store.client.put_object(Bucket=store.bucket, Key="Backups/Dump.SQL", Body=b"x")
    assert store.keys() == ["clinic-1/a.jpg"]


def test_clinic_key_puts_each_clinic_under_its_own_prefix() -> None:
    """clinic_key joins parts under "clinic-<id>/"; with no parts it is the clinic's prefix."""
    assert clinic_key(7, "photos", "3f2a.jpg") == "clinic-7/photos/3f2a.jpg"
    assert clinic_key(7, "thumbs/3f2a.jpg") == "clinic-7/thumbs/3f2a.jpg"
    assert clinic_key(7) == "clinic-7/"


@pytest.mark.parametrize(
    ("clinic_id", "parts"),
    [(0, ("a.jpg",)), (-1, ("a.jpg",)), (True, ("a.jpg",)), (1, ("..", "x"))],
)
def test_clinic_key_refuses_bad_ids_and_parts(clinic_id: int, parts: tuple[str, ...]) -> None:
    """A clinic id that is not positive, or a part that climbs out, is refused."""
    with pytest.raises(InvalidKey):
        clinic_key(clinic_id, *parts)


@given(st.text(alphabet="abc./-_~\\ A\0", max_size=12))
def test_no_accepted_key_leaves_the_root(key: str) -> None:
    """Any key that checked_key accepts names a path inside the store's root."""
    root = Path("/srv/photos")
    try:
        checked_key(key)
    except InvalidKey:
        return
    assert (root / key).resolve().is_relative_to(root)
    assert (root / key).resolve() != root


def test_settings_build_a_local_store(tmp_path: Path) -> None:
    """DORSUM_PHOTO_STORE=local gives a LocalStore in DORSUM_PHOTO_DIR."""
    store = store_from_settings(Settings(photo_store="local", photo_dir=str(tmp_path / "p")))
    assert isinstance(store, LocalStore)
    store.put("clinic-1/a.jpg", b"a", JPEG)
    assert (tmp_path / "p" / "clinic-1" / "a.jpg").read_bytes() == b"a"


def test_settings_build_an_s3_store(s3_endpoint: str) -> None:
    """DORSUM_PHOTO_STORE=s3 gives an S3Store on the configured endpoint, bucket and keys."""
    bucket = s3_store(s3_endpoint).bucket
    settings = Settings(
        photo_store="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket=bucket,
        s3_region="eu-west-1",
        s3_access_key_id="testing",
        s3_secret_access_key=SecretStr("testing"),
    )
    store = store_from_settings(settings)
    assert isinstance(store, S3Store)
    assert store.bucket == bucket
    assert store.client.meta.region_name == "eu-west-1"
    store.put("clinic-1/a.jpg", b"a", JPEG)
    assert store.get("clinic-1/a.jpg") == b"a"


def test_s3_settings_without_a_bucket_are_refused() -> None:
    """DORSUM_PHOTO_STORE=s3 with no bucket is a configuration error, said at start-up."""
    with pytest.raises(ValueError, match="DORSUM_S3_BUCKET"):
        store_from_settings(Settings(photo_store="s3"))
