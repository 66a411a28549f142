"""Needs from answers and facts, by the rules in seed_data/rules/needs.yaml: which needs, how urgent, and why."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from directory import vocabularies
from matching import needs
from matching.client import Client
from matching.errors import Invalid
from matching.needs import Assessment, RequestedNeed, Response, RulesFileError
from tests.referrals.vignettes import HITS, ahc, gad7, phq9


def assess(
    *responses: dict[str, Any], client: Client | None = None, requested: list[RequestedNeed] | None = None
) -> Assessment:
    return needs.assess(
        client or Client(),
        [Response(instrument=r["instrument"], answers=r["answers"]) for r in responses],
        requested or [],
    )


def need(assessment: Assessment, code: str) -> needs.Need:
    return next(found for found in assessment.needs if found.code == code)


def codes(assessment: Assessment) -> set[str]:
    return {found.code for found in assessment.needs}


DRUGS = {"instrument": "drug-screen", "answers": {"68524-8": 3}}


# --- the rules file --------------------------------------------------------------------------------------------


def test_every_category_in_the_rules_is_a_waypost_category() -> None:
    known = {code for taxonomy, code in vocabularies.default().terms if taxonomy == "waypost-categories"}
    rules = needs.catalogue()
    used = {code for rule in rules.needs for code in (*rule.categories, *rule.also)}
    assert used <= known, used - known


def test_every_situation_in_the_rules_is_a_waypost_eligibility_situation() -> None:
    vocabulary = vocabularies.default()
    known = {term.code for term in vocabulary.terms.values() if term.group == "situation"}
    rules = needs.catalogue()
    used = {code for rule in rules.needs for code in rule.situations}
    used |= {leaf.situation for rule in rules.needs for finding in rule.found_by for leaf in _leaves(finding.when)}
    assert used - {None} <= known


def test_every_need_the_issue_names_has_a_rule() -> None:
    named = {
        "homelessness", "housing-instability", "inadequate-housing", "food", "transportation", "utilities",
        "interpersonal-safety", "financial-strain", "employment", "education", "social-connection", "daily-living",
        "mental-health", "substance-use", "co-occurring", "physical-health", "health-insurance", "language-access",
        "legal",
    }  # fmt: skip
    assert named <= {rule.code for rule in needs.catalogue().needs}


def _leaves(condition: needs.Condition) -> list[needs.Condition]:
    nested = condition.any or condition.all
    return [leaf for inner in nested for leaf in _leaves(inner)] if nested else [condition]


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "needs.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(needs.RULES_FILE.read_text(encoding="utf-8"))
    return data


def _entry(data: dict[str, Any], code: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(rule for rule in data["needs"] if rule["code"] == code)
    return entry


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: _entry(d, "food")["found_by"][0]["when"].update(positive="hunger"),
            "need food: found_by[0]: when: ahc-hrsn has no positive domain hunger",
        ),
        (lambda d: _entry(d, "food").update(severity="big"), "need food: Object contains unknown field `severity`"),
        (
            lambda d: _entry(d, "food")["found_by"][0].update(urgency="now"),
            "need food: found_by[0]: urgency: Invalid enum value 'now'",
        ),
        (
            lambda d: _entry(d, "mental-health")["found_by"][1]["when"].update(band=["terrible"]),
            "band must list bands of phq-9 total",
        ),
        (
            lambda d: _entry(d, "utilities")["found_by"][0]["when"].update(answer_in=["LA-nope"]),
            "question 96779-4 has no answer LA-nope",
        ),
        (lambda d: _entry(d, "food")["label"].pop("es"), "need food: label: needs both English (en) and Spanish (es)"),
        (lambda d: d["alerts"][0].update(need="rescue"), "alert suicide-risk: need: there is no need rescue"),
        (lambda d: _entry(d, "food").update(categories=[]), "need food: categories: list at least one"),
        (
            lambda d: _entry(d, "food")["found_by"][0].update(prefer=["legal.immigration"]),
            "prefer: legal.immigration must be among",
        ),
        (lambda d: d["needs"].append(_entry(d, "food")), "need food: this code is used twice"),
        (lambda d: _entry(d, "food")["found_by"][0]["when"].update(situation="homeless"), "name exactly one of"),
    ],
)
def test_a_mistake_in_the_rules_is_reported_with_file_entry_and_field(
    tmp_path: Path, change: Any, message: str
) -> None:
    data = _shipped()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(RulesFileError) as error:
        needs.load(path)
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


# --- needs from screenings --------------------------------------------------------------------------------------


def test_no_steady_place_to_live_is_homelessness_to_see_to_today() -> None:
    found = need(assess(ahc(housing="LA31995-6")), "homelessness")
    assert (found.severity, found.urgency) == ("high", "today")
    assert found.evidence[0].source == "ahc-hrsn"
    assert found.evidence[0].text.es
    assert "housing.shelter" in found.categories


def test_worry_about_losing_housing_is_housing_instability_and_says_at_risk() -> None:
    assessment = assess(ahc(housing="LA31994-9"))
    assert codes(assessment) == {"housing-instability"}
    assert "at-risk-of-homelessness" in assessment.situations


def test_a_calm_screening_finds_no_needs() -> None:
    assessment = assess(ahc(), phq9(0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert assessment.needs == [] and assessment.alerts == [] and assessment.undetermined == []


def test_phq9_item_9_raises_suicide_risk_puts_crisis_first_and_asks_for_review() -> None:
    assessment = assess(ahc(housing="LA31995-6"), phq9(0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert [alert.code for alert in assessment.alerts] == ["suicide-risk"]
    alert = assessment.alerts[0]
    assert alert.requires_review and "988" in alert.action.en and alert.action.es
    assert assessment.needs[0].code == "crisis"  # before homelessness, also high and today
    assert need(assessment, "crisis").categories == ["emergency.crisis-lines", "mental-health.crisis-care"]


def test_an_unanswered_item_9_leaves_suicide_risk_undetermined() -> None:
    answers = phq9(0, 0, 0, 0, 0, 0, 0, 0, 0)
    del answers["answers"]["44260-8"]
    assessment = assess(answers)
    assert [item.code for item in assessment.undetermined] == ["suicide-risk"]
    assert assessment.undetermined[0].instruments == ["phq-9"]
    assert assessment.alerts == []


@pytest.mark.parametrize(("insult", "total", "found"), [(4, 10, False), (5, 11, True)])
def test_ahc_safety_score_of_11_raises_the_safety_alert_and_10_does_not(insult: int, total: int, found: bool) -> None:
    # Never hurt or threatened (1 each), screamed at "fairly often" (4): only the sum can raise the alert.
    answers = ahc(hurt=HITS[0], threaten=HITS[0], scream=HITS[3], insult=HITS[insult - 1])
    assert 1 + insult + 1 + 4 == total
    assessment = assess(answers)
    assert ("interpersonal-safety" in {alert.code for alert in assessment.alerts}) is found
    assert ("interpersonal-safety" in codes(assessment)) is found


def test_being_physically_hurt_even_rarely_raises_the_safety_alert() -> None:
    assessment = assess(ahc(hurt=HITS[1]))
    assert [alert.code for alert in assessment.alerts] == ["interpersonal-safety"]
    assert assessment.needs[0].code == "interpersonal-safety"
    assert "survivors" in assessment.situations


def test_substance_use_with_moderate_depression_is_co_occurring() -> None:
    assessment = assess(DRUGS, phq9(2, 2, 2, 2, 1, 1, 0, 0, 0))  # total 10: moderate
    assert {"co-occurring", "substance-use", "mental-health"} <= codes(assessment)
    assert need(assessment, "co-occurring").categories == ["substance-use.co-occurring"]
    assert need(assessment, "co-occurring").evidence[0].source == "drug-screen, phq-9"


def test_substance_use_with_mild_depression_is_not_co_occurring() -> None:
    assessment = assess(DRUGS, phq9(2, 2, 1, 1, 1, 1, 1, 0, 0))  # total 9: mild
    assert "co-occurring" not in codes(assessment)


def test_substance_use_with_moderate_anxiety_is_co_occurring() -> None:
    assert "co-occurring" in codes(assess(DRUGS, gad7(2, 2, 2, 2, 1, 1, 0)))


def test_a_partial_phq9_that_must_end_moderate_already_counts() -> None:
    answers = phq9(3, 3, 3, 1, 0, 0, 0, 0, 0)
    for item in ("44251-7", "44258-2", "44252-5", "44253-3"):
        del answers["answers"][item]
    assert "co-occurring" in codes(assess(DRUGS, answers))  # 10 answered points: moderate or worse whatever follows


def test_severe_depression_is_high_severity() -> None:
    found = need(assess(phq9(3, 3, 3, 3, 3, 3, 2, 0, 0)), "mental-health")
    assert found.severity == "high"
    assert len(found.evidence) == 2  # positive for depression, and in the severe band


def test_audit_c_cut_off_depends_on_sex() -> None:
    three = {
        "instrument": "audit-c",
        "answers": {"68518-0": "LA18927-6", "68519-8": "LA15695-2", "68520-6": "LA6270-8"},
    }
    assert "substance-use" in codes(assess(three, client=Client(sex="female")))
    assert "substance-use" not in codes(assess(three, client=Client(sex="male")))


def test_intake_answers_find_needs_and_opioids_prefer_medication() -> None:
    intake = {
        "instrument": "intake",
        "answers": {
            "intake.housing-situation": "with-others",
            "intake.substances": ["opioids"],
            "intake.health-conditions": ["pregnant", "diabetes"],
            "intake.english-ability": "not-well",
            "intake.interpreter-needed": "yes",
        },
    }
    assessment = assess(intake)
    assert codes(assessment) == {
        "housing-instability", "substance-use", "prenatal-care", "physical-health", "language-access",
    }  # fmt: skip
    assert need(assessment, "substance-use").preferred == ["substance-use.moud"]
    assert "pregnant" in assessment.situations


# --- needs from facts and from the case manager -----------------------------------------------------------------


def test_client_facts_find_needs() -> None:
    client = Client(
        situations=frozenset({"homeless", "justice-involved"}),
        insurance=frozenset({"uninsured"}),
        limited_english=True,
        preferred_language="es",
    )
    assert codes(assess(client=client)) == {"homelessness", "legal", "health-insurance", "language-access"}
    assert need(assess(client=client), "legal").evidence[0].source == "client"


def test_a_case_manager_adds_needs_and_overrides_severity() -> None:
    assessment = assess(
        ahc(food_worry="LA6729-3"),
        requested=[RequestedNeed(code="food", severity="high", urgency="today"), RequestedNeed(code="transportation")],
    )
    food = need(assessment, "food")
    assert (food.severity, food.urgency) == ("high", "today")
    assert [item.source for item in food.evidence] == ["ahc-hrsn", "case-manager"]
    assert (need(assessment, "transportation").severity, need(assessment, "transportation").urgency) == (
        "moderate",
        "soon",
    )
    assert [found.code for found in assessment.needs] == ["food", "transportation"]


def test_an_unknown_need_is_refused_naming_it() -> None:
    with pytest.raises(Invalid) as error:
        assess(requested=[RequestedNeed(code="food"), RequestedNeed(code="pony")])
    assert error.value.field == "needs[1].code"


def test_bad_answers_are_refused_naming_the_response() -> None:
    with pytest.raises(Invalid) as error:
        assess(ahc(), {"instrument": "phq-9", "answers": {"44260-8": "LA-nope"}})
    assert error.value.field == "responses[1].answers.44260-8"
    with pytest.raises(Invalid) as error:
        assess({"instrument": "dast-10", "answers": {}})
    assert error.value.field == "responses[0].instrument"
    with pytest.raises(Invalid) as error:
        assess(ahc(), ahc())
    assert error.value.field == "responses[1].instrument"


def test_each_need_says_which_categories_address_it_and_which_help_in_part() -> None:
    shelter = need(assess(ahc(housing="LA31995-6")), "homelessness")
    assert shelter.categories == ["housing.shelter", "housing.transitional"]
    assert "goods.hygiene" in shelter.also
