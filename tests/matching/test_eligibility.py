"""Each eligibility rule on its own: pass, fail or unknown, with a reason a client can read in English and Spanish."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from matching import eligibility
from matching.client import Client
from matching.eligibility import Candidate, Check, Term, context, evaluate
from matching.instruments import Text

ON = date(2026, 3, 1)  # the 2026 HHS poverty guidelines are in effect (from 13 January 2026)


def candidate(**fields: Any) -> Candidate:
    return Candidate(service_id=uuid.uuid4(), name="Test service", **fields)


def term(code: str, en: str | None = None) -> Term:
    return Term(code=code, name=Text(en=en or code, es=f"{en or code} (es)"))


def check(rule: str, client: Client, service: Candidate, on: date = ON) -> Check | None:
    checks = [found for found in evaluate(client, service, context(client, on)) if found.rule == rule]
    assert len(checks) <= 1
    if checks:
        assert checks[0].reason.en and checks[0].reason.es
    return checks[0] if checks else None


def outcome(rule: str, client: Client, service: Candidate, on: date = ON) -> str | None:
    found = check(rule, client, service, on)
    return found.outcome if found else None


# --- status and area --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [("active", None), ("temporarily closed", "fail"), ("inactive", "fail"), ("defunct", "fail"), ("moved", "unknown")],
)
def test_closed_services_are_never_eligible(status: str, expected: str | None) -> None:
    assert outcome("status", Client(), candidate(status=status)) == expected


def test_a_service_area_decides_who_is_served() -> None:
    areas = ["Multnomah County, Oregon"]
    assert outcome("area", Client(), candidate(service_areas=areas, covers_client=True)) == "pass"
    refused = check("area", Client(), candidate(service_areas=areas, covers_client=False))
    assert refused is not None and refused.outcome == "fail" and "Multnomah County" in refused.reason.en
    assert outcome("area", Client(), candidate(service_areas=areas, covers_client=None)) == "unknown"
    assert outcome("area", Client(), candidate()) is None  # no area: anyone who can get there


# --- age and gender ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"), [(11, "fail"), (12, "pass"), (17, "pass"), (18, "fail"), (None, "unknown")]
)
def test_age_limits_include_both_ends(age: int | None, expected: str) -> None:
    assert outcome("age", Client(age=age), candidate(minimum_age=12, maximum_age=17)) == expected


def test_an_age_reason_says_the_limit_and_the_age() -> None:
    found = check("age", Client(age=15), candidate(minimum_age=18))
    assert found is not None
    assert found.reason.en == "Only for ages 18 and up; you are 15."
    assert found.reason.es == "Solo para personas de 18 años o más; usted tiene 15."


@pytest.mark.parametrize(
    ("client", "genders", "expected"),
    [
        (Client(sex="female"), ["women"], "pass"),
        (Client(sex="male"), ["women"], "fail"),
        (Client(sex="male", gender_identity="transgender-woman"), ["women"], "pass"),
        (Client(sex="male", gender_identity="transgender-woman"), ["transgender-nonbinary"], "pass"),
        (Client(sex="female", gender_identity="nonbinary"), ["women"], "fail"),
        (Client(sex="female", gender_identity="nonbinary"), ["women", "transgender-nonbinary"], "pass"),
        (Client(), ["men"], "unknown"),
        (Client(sex="male"), [], None),
    ],
)
def test_gender_limits_follow_gender_identity_before_sex(client: Client, genders: list[str], expected: str) -> None:
    assert outcome("gender", client, candidate(genders=genders)) == expected


# --- situations -------------------------------------------------------------------------------------------------

VETERANS, HOMELESS, AT_RISK = term("veterans", "Veterans"), term("homeless"), term("at-risk-of-homelessness")
PARENTS, PREGNANT, SURVIVORS = term("parents"), term("pregnant"), term("survivors")
SENIORS, DISABILITY, ADULTS = term("seniors"), term("disability"), term("adults")


def known(*situations: str, **fields: Any) -> Client:
    return Client(situations=frozenset(situations), situations_complete=True, **fields)


def test_a_service_for_veterans_takes_veterans_only_when_the_situations_are_complete() -> None:
    service = candidate(situations=[VETERANS])
    assert outcome("situations", known("veterans"), service) == "pass"
    refused = check("situations", known(), service)
    assert refused is not None and refused.outcome == "fail" and refused.reason.en == "Only for: Veterans."
    # Situations not asked about: the client may be a veteran; say what to check.
    assert outcome("situations", Client(), service) == "unknown"


def test_circumstances_are_each_required_with_alternatives_inside() -> None:
    family_shelter = candidate(situations=[PARENTS, PREGNANT, HOMELESS])
    assert outcome("situations", known("pregnant", "homeless"), family_shelter) == "pass"
    assert outcome("situations", known("parents", "homeless"), family_shelter) == "pass"
    assert outcome("situations", known("parents", "at-risk-of-homelessness"), family_shelter) == "fail"
    assert outcome("situations", known("homeless"), family_shelter) == "fail"
    rent_help = candidate(situations=[HOMELESS, AT_RISK])
    assert outcome("situations", known("at-risk-of-homelessness"), rent_help) == "pass"


def test_a_service_naming_several_groups_takes_any_of_them() -> None:
    trauma_therapy = candidate(situations=[ADULTS, SURVIVORS, VETERANS])
    assert outcome("situations", known("survivors"), trauma_therapy) == "pass"
    assert outcome("situations", known("veterans"), trauma_therapy) == "pass"
    assert outcome("situations", known(age=40), trauma_therapy) == "fail"  # "adults" only describes the service


def test_older_adults_are_a_group_decided_by_age() -> None:
    meals = candidate(situations=[SENIORS, DISABILITY])
    assert outcome("situations", known(age=72), meals) == "pass"
    assert outcome("situations", known("disability", age=40), meals) == "pass"
    assert outcome("situations", known(age=40), meals) == "fail"
    assert outcome("situations", known(), meals) == "unknown"  # age not known
    senior_center = candidate(situations=[SENIORS], minimum_age=55)
    assert outcome("situations", known(age=57), senior_center) == "pass"  # the service's own minimum decides


def test_age_groups_alone_are_left_to_the_age_limits() -> None:
    assert outcome("situations", known(age=40), candidate(situations=[ADULTS, term("youth")])) is None


def test_a_situation_fit_ranks_services_for_people_like_the_client_higher() -> None:
    veteran = known("veterans", "at-risk-of-homelessness")
    assert eligibility.situation_fit(veteran, candidate(situations=[VETERANS, AT_RISK])) == 1.0
    assert eligibility.situation_fit(veteran, candidate(situations=[AT_RISK])) == 0.75
    assert eligibility.situation_fit(veteran, candidate()) == 0.5
    assert eligibility.situation_fit(Client(), candidate(situations=[SURVIVORS])) == 0.25
    teen_line = candidate(situations=[term("youth")])
    assert eligibility.situation_fit(Client(age=15), teen_line) == 1.0
    assert eligibility.situation_fit(Client(age=30), teen_line) == 0.5


# --- income -----------------------------------------------------------------------------------------------------


def household(monthly: str, size: int = 3, state: str = "OR") -> Client:
    return Client(monthly_income=Decimal(monthly), household_size=size, state=state)


@pytest.mark.parametrize(
    ("monthly", "expected"),
    [
        # 2026 guideline for 3 people in the 48 states: $27,320; 200% is $54,640 a year, $4,553.33 a month.
        ("4553.33", "pass"),
        ("4553.34", "fail"),
        ("0", "pass"),
    ],
)
def test_an_income_limit_compares_with_the_2026_poverty_guideline(monthly: str, expected: str) -> None:
    assert outcome("income", household(monthly), candidate(income_limit=Decimal(200))) == expected


def test_the_guideline_year_is_chosen_by_the_date() -> None:
    # 2025: $26,650 for 3 people, 200% is $4,441.67 a month; the 2026 table takes effect on 13 January 2026.
    service = candidate(income_limit=Decimal(200))
    assert outcome("income", household("4500"), service, on=date(2026, 1, 12)) == "fail"
    assert outcome("income", household("4500"), service, on=date(2026, 1, 13)) == "pass"


def test_alaska_has_its_own_guideline() -> None:
    # 2026 Alaska guideline for 1 person: $19,950; 138% is $27,531 a year, $2,294.25 a month.
    service = candidate(income_limit=Decimal(138))
    assert outcome("income", household("2294.25", size=1, state="AK"), service) == "pass"
    assert outcome("income", household("2294.25", size=1, state="OR"), service) == "fail"


def test_income_reasons_give_the_percent_and_an_unknown_income_gives_the_dollar_limit() -> None:
    service = candidate(income_limit=Decimal(200))
    found = check("income", household("2000"), service)
    assert found is not None and found.reason.en.endswith("yours is about 88%.")
    unknown = check("income", Client(household_size=3, state="OR"), service)
    assert unknown is not None and unknown.outcome == "unknown"
    assert "about $4,553 a month for a household of 3" in unknown.reason.en


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        (household("3000"), "pass"),  # 132% of the guideline
        (household("6000"), "unknown"),  # 264%: ask
        (Client(), "unknown"),
        (Client(situations=frozenset({"low-income"})), "pass"),
    ],
)
def test_low_income_without_a_limit_counts_up_to_twice_the_guideline(client: Client, expected: str) -> None:
    assert outcome("income", client, candidate(low_income=True)) == expected


# --- insurance, language, capacity, documents -------------------------------------------------------------------

MEDICAID, PRIVATE = term("medicaid", "Medicaid"), term("private", "Private insurance")
UNINSURED = term("uninsured", "No insurance: free or sliding scale")


def test_insurance_accepted() -> None:
    clinic = candidate(insurance=[MEDICAID, PRIVATE])
    assert outcome("insurance", Client(insurance=frozenset({"medicaid"})), clinic) == "pass"
    assert outcome("insurance", Client(insurance=frozenset({"medicare"})), clinic) == "fail"
    assert outcome("insurance", Client(), clinic) == "unknown"
    assert outcome("insurance", Client(insurance=frozenset({"medicaid"})), candidate()) is None


def test_people_without_insurance_are_told_in_their_words() -> None:
    uninsured = Client(insurance=frozenset({"uninsured"}))
    sliding = check("insurance", uninsured, candidate(insurance=[MEDICAID, UNINSURED]))
    assert sliding is not None and sliding.reason.en.startswith("Sees people with no insurance")
    refused = check("insurance", uninsured, candidate(insurance=[MEDICAID, PRIVATE]))
    assert refused is not None and refused.outcome == "fail"
    assert refused.reason.en == "Does not see people with no insurance. It takes: Medicaid, Private insurance."


def test_limited_english_needs_the_language_or_an_interpreter() -> None:
    spanish = Client(preferred_language="es", limited_english=True)
    assert outcome("language", spanish, candidate(languages=["en", "es"])) == "pass"
    interpreted = check("language", spanish, candidate(languages=["en"], interpretation="Phone interpreters."))
    assert interpreted is not None and interpreted.outcome == "pass" and interpreted.caution
    assert "Spanish interpreter" in interpreted.reason.en and "intérprete de español" in (interpreted.reason.es or "")
    assert outcome("language", spanish, candidate(languages=["en"])) == "fail"


def test_a_preferred_language_without_limited_english_only_adds_a_reason() -> None:
    client = Client(preferred_language="vi")
    assert outcome("language", client, candidate(languages=["en"])) is None
    assert outcome("language", client, candidate(languages=["en", "vi"])) == "pass"
    assert outcome("language", Client(preferred_language="en"), candidate(languages=["es"])) is None


@pytest.mark.parametrize(("capacity", "caution"), [("accepting", False), ("waitlist", True), ("at-capacity", True)])
def test_a_waitlist_or_a_full_service_is_eligible_with_a_caution(capacity: Any, caution: bool) -> None:
    found = check("capacity", Client(), candidate(capacity=capacity))
    assert found is not None and found.outcome == "pass" and found.caution is caution


def test_required_documents_are_a_caution_listing_them() -> None:
    found = check("documents", Client(), candidate(required_documents=["Photo ID.", "Proof of address"]))
    assert found is not None and found.outcome == "pass" and found.caution
    assert found.reason.en == "Bring: Photo ID; Proof of address. Ask if you do not have them."


def test_eligible_means_no_rule_fails() -> None:
    client = Client(age=30, sex="male")
    assert eligibility.eligible(evaluate(client, candidate(minimum_age=18), context(client, ON)))
    assert not eligibility.eligible(evaluate(client, candidate(genders=["women"]), context(client, ON)))
    assert eligibility.eligible(evaluate(Client(), candidate(genders=["women"]), context(Client(), ON)))
