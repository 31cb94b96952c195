"""Grading scales, specified by the worked examples in the FACTS dossier (§1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorsum.core.scales import (
    GagsGrade,
    GagsRegion,
    cadi_score,
    fitzpatrick_from_score,
    gags_band,
    gags_score,
    goodman_baron_grade,
    has_high_pih_risk,
    iga_success,
    nice_severity,
)
from dorsum.core.scales.gags import BACK_ONLY_MAXIMUM, grade_from_counts

R = GagsRegion
G = GagsGrade


@pytest.mark.parametrize(
    ("grades", "score", "band"),
    [
        pytest.param(
            {
                R.FOREHEAD: G.PAPULES,
                R.RIGHT_CHEEK: G.PUSTULES,
                R.LEFT_CHEEK: G.COMEDONES,
                R.NOSE: G.NONE,
                R.CHIN: G.PAPULES,
                R.CHEST_AND_UPPER_BACK: G.NODULES,
            },
            26,
            "moderate",
            id="A: mixed face and nodular trunk",
        ),
        pytest.param({R.CHEST_AND_UPPER_BACK: G.PUSTULES}, 9, "mild", id="B: trunk pustules"),
        pytest.param({R.CHEST_AND_UPPER_BACK: G.NODULES}, 12, "mild", id="C: trunk nodules"),
        pytest.param(dict.fromkeys(R, G.NODULES), 44, "very_severe", id="D: all nodules"),
    ],
)
def test_gags_worked_examples(grades: dict[GagsRegion, GagsGrade], score: int, band: str) -> None:
    """GAGS reproduces the dossier's worked examples A-D."""
    assert gags_score(grades) == score
    assert gags_band(score) == band


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (18, "mild"),
        (19, "moderate"),
        (30, "moderate"),
        (31, "severe"),
        (38, "severe"),
        (39, "very_severe"),
        (44, "very_severe"),
    ],
)
def test_gags_band_edges(score: int, band: str) -> None:
    """Band edges follow Doshi's table; 39, which the table leaves unassigned, is very severe."""
    assert gags_band(score) == band


def test_gags_back_only_nodular_acne_scores_mild() -> None:
    """The safety warning: nodules on the back alone score at most 12, which GAGS calls mild."""
    assert BACK_ONLY_MAXIMUM == 12
    assert gags_band(BACK_ONLY_MAXIMUM) == "mild"


def test_gags_rejects_impossible_scores() -> None:
    """A score outside 0..44 is a programming error, not a band."""
    with pytest.raises(ValueError, match=r"0\.\.44"):
        gags_band(45)


def test_gags_grades_a_region_by_its_worst_lesion() -> None:
    """One nodule outranks any number of comedones."""
    assert grade_from_counts(comedones=50, papules=0, pustules=0, nodules=1) is G.NODULES
    assert grade_from_counts(comedones=0, papules=0, pustules=0, nodules=0) is G.NONE


@pytest.mark.parametrize(
    ("inflammatory", "nodules", "band"),
    [
        (40, 0, "moderate_to_severe"),
        (10, 2, "mild_to_moderate"),
        (0, 3, "moderate_to_severe"),
        (34, 0, "mild_to_moderate"),
        (35, 0, "moderate_to_severe"),
    ],
)
def test_nice_severity_thresholds(inflammatory: int, nodules: int, band: str) -> None:
    """NICE: 35+ inflammatory lesions or 3+ nodules is moderate-to-severe."""
    assert nice_severity(inflammatory=inflammatory, nodules=nodules) == band


@pytest.mark.parametrize(
    ("baseline", "follow_up", "success"),
    [(3, 1, True), (2, 1, False), (4, 2, False), (4, 0, True), (2, 0, True), (1, 0, False)],
)
def test_iga_success_rule(baseline: int, follow_up: int, success: bool) -> None:
    """Success is IGA 0-1 and at least two grades better than baseline."""
    assert iga_success(baseline, follow_up) is success


def test_iga_rejects_grades_outside_the_scale() -> None:
    """IGA has grades 0-4 only."""
    with pytest.raises(ValueError, match=r"0\.\.4"):
        iga_success(5, 1)


@pytest.mark.parametrize(
    ("kwargs", "grade"),
    [
        ({"atrophic": 0, "hypertrophic": 0, "macular": 12}, 1),
        ({"atrophic": 10, "hypertrophic": 0, "macular": 0, "visible": False}, 2),
        ({"atrophic": 10, "hypertrophic": 0, "macular": 0, "visible": True, "flatten": True}, 3),
        ({"atrophic": 10, "hypertrophic": 0, "macular": 0, "visible": True, "flatten": False}, 4),
        ({"atrophic": 0, "hypertrophic": 5, "macular": 0, "visible": True, "flatten": False}, 3),
        ({"atrophic": 0, "hypertrophic": 0, "macular": 0}, None),
    ],
    ids=["macular", "not visible", "visible flattens", "visible fixed", "raised only", "none"],
)
def test_goodman_baron_qualitative_grade(kwargs: dict[str, int | bool], grade: int | None) -> None:
    """Flat marks are 1; visibility at 50 cm and failure to flatten on stretch raise the grade."""
    result = goodman_baron_grade(
        atrophic=int(kwargs["atrophic"]),
        hypertrophic=int(kwargs["hypertrophic"]),
        macular=int(kwargs["macular"]),
        visible_at_social_distance=bool(kwargs.get("visible", False)),
        flatten_on_stretch=bool(kwargs.get("flatten", True)),
    )
    assert result == grade


@pytest.mark.parametrize(
    ("score", "phototype"),
    [
        (0, 1),
        (6, 1),
        (7, 2),
        (13, 2),
        (14, 3),
        (20, 3),
        (21, 4),
        (27, 4),
        (28, 5),
        (34, 5),
        (35, 6),
        (36, 6),
    ],
)
def test_fitzpatrick_questionnaire_bands(score: int, phototype: int) -> None:
    """Questionnaire score bands map to phototypes I-VI."""
    assert fitzpatrick_from_score(score) == phototype


def test_fitzpatrick_rejects_scores_outside_the_questionnaire() -> None:
    """The questionnaire totals 0-36."""
    with pytest.raises(ValueError, match=r"0\.\.36"):
        fitzpatrick_from_score(37)


@given(st.integers(min_value=1, max_value=6))
def test_only_types_four_to_six_carry_high_pih_risk(phototype: int) -> None:
    """Types IV-VI, and only those, carry the higher hyperpigmentation risk."""
    assert has_high_pih_risk(phototype) is (phototype >= 4)


def test_cadi_worked_example() -> None:
    """Answers b, c, a, c, b score 2+1+3+1+2 = 9."""
    assert cadi_score(["b", "c", "a", "c", "b"]) == 9


@given(st.lists(st.sampled_from("abcd"), min_size=5, max_size=5))
def test_cadi_total_lies_between_0_and_15(answers: list[str]) -> None:
    """Five answers scored 3..0 total 0..15."""
    assert 0 <= cadi_score(answers) <= 15


@pytest.mark.parametrize("answers", [["a"] * 4, ["a", "b", "c", "d", "e"]])
def test_cadi_rejects_incomplete_or_unknown_answers(answers: list[str]) -> None:
    """CADI needs exactly five answers, each a-d."""
    with pytest.raises(ValueError, match="CADI"):
        cadi_score(answers)
