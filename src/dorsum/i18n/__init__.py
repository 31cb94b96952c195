"""Languages: English and Spanish (the clinic in seed 003 works in Spanish).

Two gettext domains, kept as Babel `.po` catalogs in `locale/` and read at run time:
- `messages`: the words of reports and of the application;
- `knowledge`: the knowledge base's texts (names, rationales, cautions, aftercare, advice).

English is the source language, so English needs no catalog. `Localizer(strict=True)` records
every message without a translation, which is how the tests prove a report is fully translated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from io import BytesIO
from typing import Literal

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")
DOMAINS = ("messages", "knowledge")
_BABEL_LOCALE = {"en": "en_GB", "es": "es_ES"}


def catalog_path(language: str, domain: str) -> str:
    return str(
        resources.files("dorsum.i18n") / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    )


@lru_cache(maxsize=8)
def translations(language: str, domain: str) -> NullTranslations:
    """The compiled catalog for a language and domain (English: none needed)."""
    if language == "en":
        return NullTranslations()
    with open(catalog_path(language, domain), "rb") as source:
        catalog = read_po(source, locale=language, domain=domain)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=domain)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a message for the catalog without translating it here (gettext_noop)."""
    return message


def normalise(text: str) -> str:
    """Knowledge-base texts are looked up with their whitespace folded."""
    if "  " not in text and "\n" not in text and "\t" not in text and text == text.strip():
        return text  # already folded, as YAML's folded scalars are
    return " ".join(text.split())


@dataclass
class Localizer:
    """Translates messages and knowledge texts, and formats dates, for one language."""

    language: Language = "en"
    strict: bool = False
    missing: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        self.locale = Locale.parse(_BABEL_LOCALE[self.language])
        self._messages = translations(self.language, "messages")
        self._knowledge = translations(self.language, "knowledge")

    def gettext(self, message: str, **values: object) -> str:
        """A report message, %-formatted with `values`."""
        text = self._lookup(self._messages, message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """A message that depends on a count `n` (available as %(num)s)."""
        text = self._messages.ngettext(singular, plural, n)
        if self.strict and self.language != "en" and text in (singular, plural):
            self.missing.add(singular)
        return text % {"num": n, **values}

    def kb(self, text: str, **values: object) -> str:
        """A knowledge-base text; `{name}` placeholders are filled from `values`."""
        translated = self._lookup(self._knowledge, normalise(text))
        return translated.format(**values) if values else translated

    def date(self, day: dt.date, form: str = "long") -> str:
        return format_date(day, format=form, locale=self.locale)

    def month(self, day: dt.date) -> str:
        return format_date(day, format="MMM yyyy", locale=self.locale)

    def _lookup(self, catalog: NullTranslations, message: str) -> str:
        text = catalog.gettext(message)
        if self.strict and self.language != "en" and text == message and message.strip():
            self.missing.add(message)
        return text
