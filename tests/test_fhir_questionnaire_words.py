"""Every word of the intake Questionnaire goes through the catalog, so Spanish can show it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dorsum.fhir.questionnaire import GATE, RECORDED, questionnaire
from dorsum.i18n.extract import messages_catalog


def _texts(items: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(linkId, text) of every question, group and answer option."""
    for item in items:
        yield item["linkId"], item["text"]
        for option in item.get("answerOption", []):
            yield item["linkId"], option["valueCoding"]["display"]
        yield from _texts(item.get("item", []))


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    return {str(message.id) for message in messages_catalog() if message.id}


def test_every_question_and_answer_is_a_catalog_message(msgids: set[str]) -> None:
    """History, Goals, Stage, cryoglobulinaemia…: each English text is marked for translation."""
    english = questionnaire(language="en")["item"]
    missing = [
        (link_id, text)
        for link_id, text in _texts(english)
        if not link_id.endswith(RECORDED) and text not in msgids
    ]
    assert missing == []


def test_a_sections_yes_no_question_is_one_translatable_question(msgids: set[str]) -> None:
    """'Localized fat?' comes from one message, so Spanish can open it with '¿'."""
    english = questionnaire(language="en")["item"]
    gates = [text for link_id, text in _texts(english) if link_id.endswith(RECORDED)]
    assert gates
    assert GATE in msgids
    assert all(text.endswith("?") for text in gates)
