"""Keep the translation catalogs in step with the code and the knowledge base.

    python -m dorsum.i18n.extract          # rewrite the .pot templates, merge them into each .po
    python -m dorsum.i18n.extract --check  # exit 1 if a template is stale or a string untranslated

`messages` is extracted by Babel from the Python code and the Jinja2 templates; `knowledge` is
every text of the knowledge base that a reader can see.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from dorsum.core.knowledge import KnowledgeBase
from dorsum.i18n import normalise
from dorsum.knowledge import load_knowledge_base

PACKAGE = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TRANSLATED = ("es",)
METHODS = [
    ("**/templates/**.j2", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "_": None, "N_": None}


def messages_catalog() -> Catalog:
    catalog = Catalog(domain="messages", project="dorsum")
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE),
        method_map=METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}},
    ):
        if message:
            catalog.add(message, flags=_flags(message))
    return catalog


def _flags(message: str | tuple[str, ...]) -> tuple[str, ...]:
    text = message if isinstance(message, str) else message[0]
    return ("python-format",) if "%(" in text else ()


def knowledge_texts(kb: KnowledgeBase) -> Iterator[str]:
    """Every knowledge-base text a reader can see."""
    for condition in kb.conditions:
        yield from (condition.name, condition.summary, condition.severity_basis)
        yield from (cause.text for cause in condition.causes)
    for treatment in kb.treatments:
        yield from (treatment.name, treatment.summary)
        for indication in treatment.indications:
            yield from (indication.rationale, indication.evidence_note)
        for statement in (*treatment.aftercare, *treatment.call_clinic):
            yield statement.text
        yield from (rule.text for rule in treatment.session_rules)
        if treatment.schedule.unknown:
            yield treatment.schedule.unknown
    yield from (rule.text for rule in kb.rules)
    for referral in kb.referrals:
        yield referral.text
        if referral.options:
            yield referral.options
        yield from (variant.text for variant in referral.variants)
    yield from (advice.text for advice in kb.advice)
    yield from (sequence.text for sequence in kb.sequences)
    yield from (statement.text for statement in kb.general_call_clinic)
    for therapy in kb.referral_therapies:
        yield from (therapy.name, therapy.summary)


def knowledge_catalog() -> Catalog:
    catalog = Catalog(domain="knowledge", project="dorsum")
    for text in knowledge_texts(load_knowledge_base()):
        catalog.add(normalise(text))
    return catalog


TEMPLATES = {"messages": messages_catalog, "knowledge": knowledge_catalog}


def _serialise(catalog: Catalog) -> bytes:
    out = BytesIO()
    write_po(out, catalog, omit_header=True, no_location=True, sort_output=True, width=100)
    return out.getvalue()


def _po_path(language: str, domain: str) -> Path:
    return HERE / "locale" / language / "LC_MESSAGES" / f"{domain}.po"


def problems() -> list[str]:
    """Stale templates, and strings without a translation, as messages."""
    found = []
    for domain, build in TEMPLATES.items():
        template = build()
        pot = HERE / f"{domain}.pot"
        if not pot.exists() or pot.read_bytes() != _serialise(template):
            found.append(f"{pot.name} is out of date")
        for language in TRANSLATED:
            with _po_path(language, domain).open("rb") as source:
                translated = read_po(source)
            for message in template:
                if not message.id:
                    continue
                entry = translated.get(message.id)
                strings = entry.string if entry is not None else ""
                values = strings if isinstance(strings, tuple) else (strings,)
                if entry is None or entry.fuzzy or not all(values):
                    found.append(f"{language}/{domain}: untranslated: {_short(message.id)}")
    return found


def _short(message_id: str | tuple[str, ...] | list[str]) -> str:
    text = message_id if isinstance(message_id, str) else message_id[0]
    return text if len(text) < 70 else text[:67] + "..."


def update() -> None:
    """Rewrite the templates and merge them into every translated catalog."""
    for domain, build in TEMPLATES.items():
        template = build()
        (HERE / f"{domain}.pot").write_bytes(_serialise(template))
        for language in TRANSLATED:
            path = _po_path(language, domain)
            if path.exists() and path.stat().st_size:
                with path.open("rb") as source:
                    catalog = read_po(source, locale=language, domain=domain)
            else:
                catalog = Catalog(locale=language, domain=domain, project="dorsum")
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            path.write_bytes(_serialise(catalog))


def main(argv: list[str]) -> int:
    if "--check" in argv:
        found = problems()
        for problem in found:
            print(problem)
        return 1 if found else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
