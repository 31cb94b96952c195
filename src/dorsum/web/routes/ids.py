"""Path parameters shared by the routes: record ids fit a 32-bit integer column."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

RecordId = Annotated[int, Path(ge=1, le=2_147_483_647)]
