"""What an engine tells whoever shows progress: bytes read of a total, then partitions screened.

The engines call this interface and never draw anything, so tests and Spark pass `Silent` and
the CLI passes a rich progress bar (`dorsum.cli.screen`).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def reading(self, total_bytes: int) -> None:
        """Pass one starts: this many bytes to read."""

    def read(self, size: int) -> None:
        """This many more bytes were read."""

    def screening(self, partitions: int) -> None:
        """Pass two starts: this many partitions to screen."""

    def screened(self) -> None:
        """One more partition was screened."""


class Silent:
    """Progress that shows nothing."""

    def reading(self, total_bytes: int) -> None:
        """Nothing to show."""

    def read(self, size: int) -> None:
        """Nothing to show."""

    def screening(self, partitions: int) -> None:
        """Nothing to show."""

    def screened(self) -> None:
        """Nothing to show."""
