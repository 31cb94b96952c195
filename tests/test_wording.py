"""One wording for every renderer: every reason, caution, referral and advice the knowledge base
can emit is rendered from its code and parameters, in English and in Spanish, with nothing
left untranslated."""

from __future__ import annotations

from datetime import date
from typing import get_args

import pytest

from dorsum.core.assessment import Advice, Caution, Reason, ReferralReason
from dorsum.core.knowledge.models import ReasonCode
from dorsum.i18n import LANGUAGES, Localizer
from dorsum.knowledge import default_index
from dorsum.reports import wording

INDEX = default_index()
KB = INDEX.kb


def every_sentence(loc: Localizer) -> list[str]:
    said = []
    for rule in KB.rules:
        until = date(2027, 5, 1) if rule.wait else None
        if rule.effect == "exclude":
            params = {"counted_from": "last_dose", "months": 6} if rule.wait else {}
            reason = Reason(code=rule.code, text="", rule=rule.id, until=until, params=params)
            said.append(wording.reason_text(reason, INDEX, loc))
        caution = Caution(code=rule.code, text="", rule=rule.id, about="acne_scars")
        said.append(wording.caution_text(caution, INDEX, loc))
    for referral in KB.referrals:
        for variant in ("", *(v.id for v in referral.variants)):
            red_flag = ReferralReason(
                code=referral.code, text="", rule=referral.id, variant=variant
            )
            said.append(wording.referral_text(red_flag, INDEX, loc))
    for item in KB.advice:
        said.append(
            wording.advice_text(
                Advice(code=item.code, text="", sources=(), rule=item.id), INDEX, loc
            )
        )
    for because in ("not_offered", "allergy,pregnancy"):
        reason = Reason(
            code="requires_excluded",
            text="",
            rule="requires.topical_antibiotic",
            params={"companion": "benzoyl_peroxide", "because": because},
        )
        said.append(wording.reason_text(reason, INDEX, loc))
    said += [wording.code_label(code, loc) for code in wording.CODE_LABELS]
    return said


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_renders_in_every_language(language: str) -> None:
    loc = Localizer(language, strict=True)  # type: ignore[arg-type]
    sentences = every_sentence(loc)
    assert all(s.strip() for s in sentences)
    assert not any("{" in s or "%(" in s for s in sentences)
    assert loc.missing == set()


def test_spanish_differs_from_english_everywhere() -> None:
    english = every_sentence(Localizer("en"))
    spanish = every_sentence(Localizer("es"))
    same = [e for e, s in zip(english, spanish, strict=True) if e == s]
    assert not same, same[:3]


def test_every_reason_code_has_a_label() -> None:
    codes = set(get_args(ReasonCode)) | {"not_offered"}
    assert codes <= set(wording.CODE_LABELS)
