"""Scoring each instrument at the edges its authors published: band boundaries, cut-offs, alerts, missing items."""

from collections.abc import Mapping
from decimal import Decimal

import pytest

from matching import instruments
from matching.errors import Invalid
from matching.scoring import ScoreResult, ScoreValue, score

PHQ9_ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]
GAD7_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]  # Not at all 0 ... Nearly every day 3
HITS = ["LA6270-8", "LA10066-1", "LA10082-8", "LA16644-9", "LA6482-9"]  # Never 1 ... Frequently 5
SAFETY = {"hurt": "95618-5", "insult": "95617-7", "threaten": "95616-9", "scream": "95615-1"}
AHC_CORE_CALM = {
    "71802-3": "LA31993-1",
    "96778-6": ["LA9-3"],
    "88122-7": "LA28398-8",
    "88123-5": "LA28398-8",
    "93030-5": "LA32-8",
    "96779-4": "LA32-8",
    **{code: HITS[0] for code in SAFETY.values()},
}


def scoring(code: str, answers: Mapping[str, object], sex: str | None = None) -> ScoreResult:
    return score(instruments.instrument(code), answers, sex=sex)


def spread(items: list[str], total: int, options: list[str]) -> dict[str, object]:
    """Answers to ``items`` whose scores add up to ``total``, filling items in order with the highest answer."""
    answers: dict[str, object] = {}
    for item in items:
        points = min(total, len(options) - 1)
        answers[item] = options[points]
        total -= points
    assert total == 0
    return answers


def value(result: ScoreResult, code: str) -> ScoreValue:
    return next(s for s in result.scores if s.code == code)


def domains(result: ScoreResult) -> set[str]:
    return {finding.code for finding in result.positive}


def alerts(result: ScoreResult) -> set[str]:
    return {finding.code for finding in result.alerts}


def undetermined(result: ScoreResult) -> set[str]:
    return {finding.code for finding in result.undetermined}


# --- PHQ-9 and PHQ-2 ---------------------------------------------------------------------------------------------


def phq9(total: int, item9: int = 0) -> dict[str, object]:
    """Complete PHQ-9 answers with the given total and item 9 answered ``item9``, filled from item 8 backwards so that
    the PHQ-2 (items 1 and 2) stays 0 while the total allows."""
    answers = spread(list(reversed(PHQ9_ITEMS[:8])), total - item9, FREQUENCY)
    return {**answers, "44260-8": FREQUENCY[item9]}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none-minimal"),
        (4, "none-minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately-severe"),
        (19, "moderately-severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_include_both_ends(total: int, band: str) -> None:
    result = scoring("phq-9", phq9(total, item9=min(total, 3)))
    total_score = value(result, "total")
    assert (total_score.value, total_score.complete) == (total, True)
    assert total_score.band is not None and total_score.band.code == band


def test_phq9_total_of_10_is_positive_for_depression_and_9_is_not() -> None:
    nine, ten = scoring("phq-9", phq9(9)), scoring("phq-9", phq9(10))
    assert value(nine, "phq-2").value == value(ten, "phq-2").value == 0
    assert "depression" not in domains(nine) | undetermined(nine)
    assert "depression" in domains(ten)


def test_phq9_item_9_at_several_days_raises_the_suicide_risk_alert_whatever_the_total() -> None:
    result = scoring("phq-9", phq9(1, item9=1))
    assert value(result, "total").value == 1
    assert alerts(result) == {"suicide-risk"}
    assert result.alerts[0].action is not None and "988" in result.alerts[0].action.en


def test_phq9_item_9_at_not_at_all_raises_no_alert_even_with_a_severe_total() -> None:
    result = scoring("phq-9", phq9(24, item9=0))
    assert value(result, "total").band.code == "severe"  # type: ignore[union-attr]
    assert result.alerts == [] and "suicide-risk" not in undetermined(result)


def test_phq9_item_9_unanswered_leaves_the_suicide_risk_alert_undetermined() -> None:
    answers = phq9(3)
    del answers["44260-8"]
    result = scoring("phq-9", answers)
    assert result.alerts == []
    assert "suicide-risk" in undetermined(result)
    assert not result.complete and "44260-8" in result.unanswered


@pytest.mark.parametrize(("first", "second", "positive"), [(1, 1, False), (2, 0, False), (2, 1, True), (3, 3, True)])
def test_phq2_of_3_or_more_is_positive(first: int, second: int, positive: bool) -> None:
    result = scoring("phq-9", {"44250-9": FREQUENCY[first], "44255-8": FREQUENCY[second]})
    phq2 = value(result, "phq-2")
    assert (phq2.value, phq2.complete) == (first + second, True)
    assert ("depression" in domains(result)) is positive


def test_an_unanswered_item_makes_the_total_partial_and_is_not_counted_as_zero() -> None:
    answers = spread(PHQ9_ITEMS[:8], 8, [FREQUENCY[0], FREQUENCY[1]])
    result = scoring("phq-9", answers)
    total = value(result, "total")
    assert total.value is None and not total.complete
    assert total.unanswered == ["44260-8"]
    assert (total.lowest, total.highest) == (8, 11)
    assert total.band is None  # 8 is mild, 11 would be moderate
    assert "depression" in undetermined(result)
    assert not result.complete


def test_a_partial_total_already_certain_gives_its_band_and_rule() -> None:
    answers = spread(PHQ9_ITEMS[:8], 24, FREQUENCY)
    total = value(scoring("phq-9", answers), "total")
    assert (total.value, total.lowest, total.highest) == (None, 24, 27)
    assert total.band is not None and total.band.code == "severe"


def test_the_difficulty_question_may_be_skipped() -> None:
    result = scoring("phq-9", phq9(6))
    assert result.complete
    assert result.unanswered == ["69722-7"]
    assert "69722-7" not in result.item_scores


def test_item_scores_show_each_answered_item() -> None:
    result = scoring("phq-9", {"44250-9": FREQUENCY[2], "69722-7": "LA6573-5"})
    assert result.item_scores == {"44250-9": 2}


def test_an_unknown_question_code_is_refused_naming_it() -> None:
    with pytest.raises(Invalid) as caught:
        scoring("phq-9", {"44250-9": FREQUENCY[0], "99999-9": FREQUENCY[0]})
    assert caught.value.field == "answers.99999-9"


def test_an_unknown_answer_code_is_refused_naming_the_question() -> None:
    with pytest.raises(Invalid) as caught:
        scoring("phq-9", {"44260-8": "LA9999-9"})
    assert caught.value.field == "answers.44260-8"
    assert "LA6568-5" in caught.value.message


def test_a_number_is_not_an_answer_to_a_choice_question() -> None:
    with pytest.raises(Invalid, match="option codes") as caught:
        scoring("phq-9", {"44260-8": 1})
    assert caught.value.field == "answers.44260-8"


def test_a_null_answer_counts_as_unanswered() -> None:
    result = scoring("phq-9", {**phq9(6), "44253-3": None})
    assert "44253-3" in result.unanswered and value(result, "total").value is None


# --- GAD-7 and GAD-2 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band", "positive"),
    [
        (4, "minimal", False),
        (5, "mild", False),
        (9, "mild", False),
        (10, "moderate", True),
        (14, "moderate", True),
        (15, "severe", True),
        (21, "severe", True),
    ],
)
def test_gad7_bands_and_cut_off(total: int, band: str, positive: bool) -> None:
    # Fill from the last item so that the GAD-2 (items 1 and 2) stays below its own cut-off where it can.
    answers = spread(list(reversed(GAD7_ITEMS)), total, FREQUENCY)
    result = scoring("gad-7", answers)
    assert value(result, "total").value == total
    assert value(result, "total").band.code == band  # type: ignore[union-attr]
    assert ("anxiety" in domains(result)) is (positive or value(result, "gad-2").value >= 3)  # type: ignore[operator]


@pytest.mark.parametrize(("first", "second", "positive"), [(1, 1, False), (2, 1, True)])
def test_gad2_of_3_or_more_is_positive(first: int, second: int, positive: bool) -> None:
    result = scoring("gad-7", {"69725-0": FREQUENCY[first], "68509-9": FREQUENCY[second]})
    assert ("anxiety" in domains(result)) is positive


# --- AUDIT-C -----------------------------------------------------------------------------------------------------


def audit_c(total: int) -> dict[str, object]:
    often = ["LA6270-8", "LA18926-8", "LA18927-6", "LA18928-4", "LA18929-2"]
    drinks = ["LA15694-5", "LA15695-2", "LA18930-0", "LA18931-8", "LA18932-6"]
    binge = ["LA6270-8", "LA18933-4", "LA18876-5", "LA18891-4", "LA18934-2"]
    first = min(total, 4)
    second = min(total - first, 4)
    return {"68518-0": often[first], "68519-8": drinks[second], "68520-6": binge[total - first - second]}


@pytest.mark.parametrize(
    ("total", "sex", "positive"),
    [
        (3, "male", False),
        (4, "male", True),
        (2, "female", False),
        (3, "female", True),
        (12, "female", True),
    ],
)
def test_audit_c_cut_off_is_4_for_men_and_3_for_women(total: int, sex: str, positive: bool) -> None:
    result = scoring("audit-c", audit_c(total), sex=sex)
    assert value(result, "total").value == total
    assert ("alcohol-use" in domains(result)) is positive
    assert "alcohol-use" not in undetermined(result)


def test_audit_c_without_sex_decides_outside_the_two_cut_offs_and_asks_in_between() -> None:
    assert "alcohol-use" in domains(scoring("audit-c", audit_c(4)))
    below = scoring("audit-c", audit_c(2))
    assert "alcohol-use" not in domains(below) | undetermined(below)
    between = scoring("audit-c", audit_c(3))
    assert "alcohol-use" in undetermined(between) and "alcohol-use" not in domains(between)


def test_sex_must_be_male_or_female_or_left_out() -> None:
    with pytest.raises(Invalid) as caught:
        scoring("audit-c", audit_c(3), sex="M")
    assert caught.value.field == "sex"


# --- AHC HRSN ----------------------------------------------------------------------------------------------------


def safety(hurt: int, insult: int, threaten: int, scream: int) -> dict[str, object]:
    """Safety answers from their scores (Never = 1 ... Frequently = 5)."""
    levels = {"hurt": hurt, "insult": insult, "threaten": threaten, "scream": scream}
    return {SAFETY[name]: HITS[level - 1] for name, level in levels.items()}


def test_ahc_safety_score_of_10_is_not_positive() -> None:
    result = scoring("ahc-hrsn", {**AHC_CORE_CALM, **safety(1, 4, 1, 4)})
    assert value(result, "safety").value == 10
    assert "interpersonal-safety" not in domains(result)
    assert result.alerts == []


def test_ahc_safety_score_of_11_is_positive_and_raises_the_alert() -> None:
    result = scoring("ahc-hrsn", {**AHC_CORE_CALM, **safety(1, 5, 1, 4)})
    assert value(result, "safety").value == 11
    assert "interpersonal-safety" in domains(result)
    assert alerts(result) == {"interpersonal-safety"}


@pytest.mark.parametrize("who", ["hurt", "threaten"])
def test_ahc_being_physically_hurt_or_threatened_even_rarely_raises_the_alert(who: str) -> None:
    levels = {"hurt": 1, "insult": 1, "threaten": 1, "scream": 1, who: 2}
    result = scoring("ahc-hrsn", {**AHC_CORE_CALM, **safety(**levels)})
    assert value(result, "safety").value == 5
    assert alerts(result) == {"interpersonal-safety"}
    assert "interpersonal-safety" not in domains(result)  # the CMS score stays as CMS defines it


def test_ahc_being_insulted_rarely_alone_raises_no_alert() -> None:
    assert scoring("ahc-hrsn", {**AHC_CORE_CALM, **safety(1, 2, 1, 1)}).alerts == []


def test_ahc_safety_is_positive_before_every_safety_item_is_answered_when_it_cannot_be_less_than_11() -> None:
    answers = {SAFETY["hurt"]: HITS[4], SAFETY["threaten"]: HITS[4]}
    result = scoring("ahc-hrsn", answers)
    safety_score = value(result, "safety")
    assert (safety_score.value, safety_score.lowest, safety_score.highest) == (None, 12, 20)
    assert "interpersonal-safety" in domains(result)
    assert alerts(result) == {"interpersonal-safety"}


def test_ahc_core_alone_is_complete_and_leaves_supplemental_domains_undetermined() -> None:
    result = scoring("ahc-hrsn", AHC_CORE_CALM)
    assert result.complete
    assert result.positive == [] and result.alerts == []
    assert {"financial-insecurity", "mental-health", "substance-use"} <= undetermined(result)
    assert "food-insecurity" not in undetermined(result)


def test_ahc_no_steady_place_to_live_is_homelessness_and_housing_instability() -> None:
    homeless = scoring("ahc-hrsn", {**AHC_CORE_CALM, "71802-3": "LA31995-6"})
    assert {"homelessness", "housing-instability"} <= domains(homeless)
    worried = scoring("ahc-hrsn", {**AHC_CORE_CALM, "71802-3": "LA31994-9"})
    assert "housing-instability" in domains(worried) and "homelessness" not in domains(worried)


def test_ahc_any_housing_problem_is_positive_but_none_of_the_above_is_not() -> None:
    assert "inadequate-housing" in domains(scoring("ahc-hrsn", {**AHC_CORE_CALM, "96778-6": ["LA28580-1"]}))
    assert "inadequate-housing" not in domains(scoring("ahc-hrsn", AHC_CORE_CALM))


def test_ahc_none_of_the_above_cannot_be_chosen_with_a_problem() -> None:
    with pytest.raises(Invalid, match="None of the above") as caught:
        scoring("ahc-hrsn", {**AHC_CORE_CALM, "96778-6": ["LA9-3", "LA28580-1"]})
    assert caught.value.field == "answers.96778-6"


def test_ahc_a_choose_all_question_takes_a_list() -> None:
    with pytest.raises(Invalid, match="list"):
        scoring("ahc-hrsn", {"96778-6": "LA28580-1"})


@pytest.mark.parametrize(("worried", "ran_out"), [("LA6729-3", "LA28398-8"), ("LA28398-8", "LA6729-3")])
def test_ahc_food_insecurity_is_positive_on_either_question(worried: str, ran_out: str) -> None:
    result = scoring("ahc-hrsn", {**AHC_CORE_CALM, "88122-7": worried, "88123-5": ran_out})
    assert "food-insecurity" in domains(result)


def test_ahc_a_shut_off_utility_is_positive() -> None:
    assert "utility-insecurity" in domains(scoring("ahc-hrsn", {**AHC_CORE_CALM, "96779-4": "LA32002-0"}))


@pytest.mark.parametrize(
    ("days", "minutes", "positive"), [("LA6114-8", "LA28855-7", True), ("LA6115-5", "LA28853-2", False)]
)
def test_ahc_physical_activity_is_positive_under_150_minutes_a_week(days: str, minutes: str, positive: bool) -> None:
    result = scoring("ahc-hrsn", {"89555-7": days, "68516-4": minutes})
    assert value(result, "exercise-minutes").value == (90 if positive else 240)
    assert ("physical-activity" in domains(result)) is positive


def test_ahc_mental_health_is_positive_from_the_phq2_or_from_stress() -> None:
    assert "mental-health" in domains(scoring("ahc-hrsn", {"44250-9": FREQUENCY[2], "44255-8": FREQUENCY[1]}))
    assert "mental-health" in domains(scoring("ahc-hrsn", {"93038-8": "LA13902-4"}))
    calm = scoring("ahc-hrsn", {"44250-9": FREQUENCY[1], "44255-8": FREQUENCY[1], "93038-8": "LA13909-9"})
    assert "mental-health" not in domains(calm) | undetermined(calm)


def test_ahc_any_substance_use_but_never_is_positive() -> None:
    never = {code: "LA6270-8" for code in ("68517-2", "96842-0", "95530-2", "68524-8")}
    assert "substance-use" not in domains(scoring("ahc-hrsn", never))
    assert "substance-use" in domains(scoring("ahc-hrsn", {**never, "96842-0": "LA26460-8"}))


def test_ahc_another_language_at_home_asks_for_the_preferred_language() -> None:
    result = scoring("ahc-hrsn", {"97027-7": "LA33-6"})
    assert {"linguistic-competency", "educational-attainment"} <= domains(result)


# --- single-question drug screen ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("times", "positive"), [(0, False), (1, True), (52, True)])
def test_drug_screen_is_positive_from_one_time(times: int, positive: bool) -> None:
    assert ("drug-use" in domains(scoring("drug-screen", {"68524-8": times}))) is positive


@pytest.mark.parametrize(
    ("answer", "message"), [(-1, "0 or more"), (1.5, "whole number"), (True, "number"), ("2", "number")]
)
def test_drug_screen_refuses_what_is_not_a_count(answer: object, message: str) -> None:
    with pytest.raises(Invalid, match=message) as caught:
        scoring("drug-screen", {"68524-8": answer})
    assert caught.value.field == "answers.68524-8"


# --- WHO-5 -------------------------------------------------------------------------------------------------------

WHO5_ANSWERS = [
    "at-no-time",
    "some-of-the-time",
    "less-than-half",
    "more-than-half",
    "most-of-the-time",
    "all-of-the-time",
]


def who5(raw: int) -> dict[str, object]:
    return spread([f"who-5.{n}" for n in range(1, 6)], raw, WHO5_ANSWERS)


@pytest.mark.parametrize(
    ("raw", "percentage", "band", "low"),
    [
        (0, 0, "likely-depression", True),
        (7, 28, "likely-depression", True),
        (8, 32, "poor-wellbeing", True),
        (12, 48, "poor-wellbeing", True),
        (13, 52, "not-low", False),
        (25, 100, "not-low", False),
    ],
)
def test_who5_percentage_is_the_raw_score_times_4(raw: int, percentage: int, band: str, low: bool) -> None:
    result = scoring("who-5", who5(raw))
    assert value(result, "raw").value == raw
    assert value(result, "percentage").value == percentage
    assert value(result, "percentage").band.code == band  # type: ignore[union-attr]
    assert ("low-wellbeing" in domains(result)) is low


# --- CDC Healthy Days --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("physical", "mental", "unhealthy"), [(0, 0, 0), (3, 4, 7), (20, 15, 30), (30, 30, 30)])
def test_healthy_days_are_30_minus_unhealthy_days_capped_at_30(physical: int, mental: int, unhealthy: int) -> None:
    answers = {"healthy-days.general-health": "good", "healthy-days.physical": physical, "healthy-days.mental": mental}
    result = scoring("healthy-days", answers)
    assert value(result, "unhealthy-days").value == unhealthy
    assert value(result, "healthy-days").value == 30 - unhealthy
    assert result.complete  # the activity question is only asked when there were unhealthy days


def test_healthy_days_while_a_count_is_missing_is_a_range() -> None:
    result = scoring("healthy-days", {"healthy-days.physical": 10})
    healthy = value(result, "healthy-days")
    assert (healthy.value, healthy.lowest, healthy.highest) == (None, 0, 20)


@pytest.mark.parametrize(("days", "frequent"), [(13, False), (14, True)])
def test_frequent_mental_distress_is_14_days_or_more(days: int, frequent: bool) -> None:
    result = scoring("healthy-days", {"healthy-days.mental": days})
    assert ("frequent-mental-distress" in domains(result)) is frequent


def test_fair_or_poor_health_is_flagged() -> None:
    assert "fair-or-poor-health" in domains(scoring("healthy-days", {"healthy-days.general-health": "fair"}))
    assert "fair-or-poor-health" not in domains(scoring("healthy-days", {"healthy-days.general-health": "good"}))


def test_healthy_days_refuses_more_than_30_days() -> None:
    with pytest.raises(Invalid, match="between 0 and 30"):
        scoring("healthy-days", {"healthy-days.physical": 31})


def test_a_float_that_is_a_whole_number_is_accepted() -> None:
    assert (
        value(scoring("healthy-days", {"healthy-days.physical": 3.0, "healthy-days.mental": 0}), "unhealthy-days").value
        == 3
    )


# --- Self-Sufficiency Matrix -------------------------------------------------------------------------------------


def test_self_sufficiency_gives_a_rating_per_domain_and_none_for_not_applicable() -> None:
    result = scoring(
        "self-sufficiency",
        {
            "self-sufficiency.shelter": "in-crisis",
            "self-sufficiency.income": "safe",
            "self-sufficiency.child-care": "not-applicable",
        },
    )
    assert result.item_scores == {"self-sufficiency.shelter": 1, "self-sufficiency.income": 3}
    assert result.scores == [] and result.positive == []
    assert "self-sufficiency.child-care" not in result.unanswered
    assert not result.complete


# --- intake ------------------------------------------------------------------------------------------------------

INTAKE = {
    "intake.household-size": 3,
    "intake.monthly-income": Decimal("2150.50"),
    "intake.insurance": ["medicaid"],
    "intake.housing-situation": "with-others",
    "intake.safe-at-home": "sometimes",
    "intake.unsafe-reasons": ["violence"],
    "intake.preferred-language": "Spanish",
    "intake.english-ability": "not-well",
    "intake.interpreter-needed": "yes",
    "intake.substances": ["none"],
    "intake.primary-care": "no",
    "intake.strengths": "Good cook, patient with kids",
    "intake.relationships": "My sister Ana",
    "intake.goals": [{"goal": "Find stable housing", "steps": ["Apply for Section 8", "Visit the housing fair"]}],
}


def test_a_full_intake_is_complete_and_has_no_score() -> None:
    result = scoring("intake", INTAKE)
    assert result.complete
    assert result.scores == [] and result.positive == [] and result.alerts == []
    assert "intake.cultural-background" in result.unanswered


def test_an_intake_without_goals_is_incomplete() -> None:
    result = scoring("intake", {**INTAKE, "intake.goals": []})
    assert not result.complete and "intake.goals" in result.unanswered


def test_an_empty_text_is_unanswered() -> None:
    assert "intake.strengths" in scoring("intake", {**INTAKE, "intake.strengths": "   "}).unanswered


@pytest.mark.parametrize("income", [Decimal("2150.50"), 2150.5, 2150])
def test_income_takes_cents_but_no_more(income: object) -> None:
    assert scoring("intake", {**INTAKE, "intake.monthly-income": income}).complete


def test_income_with_fractions_of_a_cent_is_refused() -> None:
    with pytest.raises(Invalid, match="at most 2 decimals"):
        scoring("intake", {**INTAKE, "intake.monthly-income": Decimal("2150.505")})


@pytest.mark.parametrize(
    ("goals", "field"),
    [
        ("Find housing", "answers.intake.goals"),
        ([{"goal": "", "steps": []}], "answers.intake.goals[0].goal"),
        ([{"goal": "Housing", "steps": "Apply"}], "answers.intake.goals[0].steps"),
        ([{"goal": "Housing", "steps": ["Apply", ""]}], "answers.intake.goals[0].steps[1]"),
        ([{"goal": "Housing", "when": "soon"}], "answers.intake.goals[0]"),
    ],
)
def test_goals_must_be_goals_with_steps(goals: object, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        scoring("intake", {**INTAKE, "intake.goals": goals})
    assert caught.value.field == field


def test_a_text_answer_must_be_text() -> None:
    with pytest.raises(Invalid, match="text"):
        scoring("intake", {**INTAKE, "intake.strengths": 5})
