"""Photos as files in a local folder: root/<key>.

Only the application's user may read them (files 0o600, folders 0o700): they are health
data. A write goes to a temporary file in the same folder, is flushed to disk, then renamed
over the key, so a reader or a crash sees the old photo or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from dorsum.media.store import MissingFile, checked_key, checked_prefix, is_key

# Temporary files start with "~", which no key contains, so `keys` never lists one.
_TEMP_PREFIX = "~"


class LocalStore:
    """A PhotoStore in a folder of the local disk.

    Folders emptied by `delete` are left in place: removing them could race with a `put`
    that has just created one.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write atomically; `content_type` is not kept (the key's extension says it)."""
        path = self._path(key)
        folder = self._folder(key)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=_TEMP_PREFIX)  # mode 0o600
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _sync(folder)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise MissingFile(key) from None

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return
        _sync(path.parent)  # an erased photo stays erased after a power cut

    def keys(self, prefix: str = "") -> list[str]:
        # Walk only the folder the prefix names fully: one clinic's listing reads no other's.
        base = self.root / checked_prefix(prefix).rpartition("/")[0]
        found = []
        for folder, _, names in os.walk(base):
            relative = Path(folder).relative_to(self.root).as_posix()
            for name in names:
                key = name if relative == "." else f"{relative}/{name}"
                if key.startswith(prefix) and is_key(key):
                    found.append(key)
        return sorted(found)

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    def _folder(self, key: str) -> Path:
        """The key's folder, created (with the root) where missing, each one 0o700."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = self.root
        for part in key.split("/")[:-1]:
            folder /= part
            folder.mkdir(mode=0o700, exist_ok=True)
        return folder


def _sync(folder: Path) -> None:
    """Flush a folder's entries (a rename, an unlink) to disk."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
