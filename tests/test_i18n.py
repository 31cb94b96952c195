"""The catalogs: complete, current, and with the same placeholders as the English."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

import pytest
from babel.messages.pofile import read_po

from dorsum.i18n import Localizer, catalog_path
from dorsum.i18n.extract import problems

PERCENT = re.compile(r"%\((\w+)\)s")
BRACES = re.compile(r"\{(\w+)\}")


def test_templates_are_current_and_everything_is_translated() -> None:
    """`python -m dorsum.i18n.extract --check` finds nothing stale or untranslated."""
    assert problems() == []


@pytest.mark.parametrize("domain", ["messages", "knowledge"])
def test_translations_keep_every_placeholder(domain: str) -> None:
    """A Spanish string has the same %(name)s and {name} placeholders as its English."""
    with open(catalog_path("es", domain), "rb") as source:
        catalog = read_po(source)
    for message in catalog:
        if not message.id:
            continue
        ids = [str(i) for i in (message.id if isinstance(message.id, tuple) else (message.id,))]
        raw = message.string if isinstance(message.string, tuple) else (message.string,)
        strings = [str(string) for string in raw]
        for pattern in (PERCENT, BRACES):
            expected = set(pattern.findall(ids[-1]))
            for string in strings:
                assert set(pattern.findall(string)) <= expected | set(pattern.findall(ids[0]))
                assert expected - {"num"} <= set(pattern.findall(string)), message.id


def test_dates_and_plurals_follow_the_language() -> None:
    """Spanish dates and plural forms are Spanish."""
    spanish = Localizer("es")
    assert spanish.date(date(2027, 6, 1)) == "1 de junio de 2027"
    assert spanish.ngettext("%(num)s session", "%(num)s sessions", 1) == "1 sesión"
    assert spanish.ngettext("%(num)s session", "%(num)s sessions", 4) == "4 sesiones"
    assert Localizer("en").date(date(2027, 6, 1)) == "1 June 2027"


def test_an_unknown_language_is_refused() -> None:
    """Only English and Spanish exist."""
    with pytest.raises(ValueError, match="language"):
        Localizer("fr")  # type: ignore[arg-type]


def test_the_check_command_exits_zero() -> None:
    """The command CI and translators use agrees."""
    done = subprocess.run(
        [sys.executable, "-m", "dorsum.i18n.extract", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
