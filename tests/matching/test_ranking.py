"""Ranking and the whole match as a pure function: fit, distance and the other parts, reasons, cautions, exclusions."""

import uuid
from datetime import date
from typing import Any

import pytest

from matching.client import Client
from matching.eligibility import Candidate, Term, context
from matching.instruments import Text
from matching.match import match
from matching.needs import Need, RequestedNeed, Response
from matching.ranking import FIT_ALSO, FIT_BROADER, FIT_EXACT, FIT_PREFERRED, FIT_WITHIN, nearness, need_fit, rank
from tests.referrals.vignettes import phq9

TODAY = date(2026, 11, 24)
NAMES = {
    "housing.shelter": "Emergency shelters",
    "housing.transitional": "Transitional housing",
    "housing.rent-help": "Help paying rent",
    "goods.hygiene": "Hygiene supplies",
    "emergency.crisis-lines": "Crisis lines",
    "mental-health.crisis-care": "Mental health crisis care",
    "mental-health.counseling": "Counseling",
    "food.pantry": "Food pantries",
}


def category(code: str) -> Term:
    name = NAMES.get(code, code)
    return Term(code=code, name=Text(en=name, es=f"{name} (es)"))


def service(name: str, *codes: str, **fields: Any) -> Candidate:
    defaults: dict[str, Any] = {"assured_date": date(2026, 10, 1), "distance_km": 2.0, "capacity": "accepting"}
    return Candidate(
        service_id=uuid.uuid5(uuid.NAMESPACE_URL, name),
        name=name,
        categories=[category(code) for code in codes],
        **(defaults | fields),
    )


def shelter_need(**fields: Any) -> Need:
    values: dict[str, Any] = {
        "code": "homelessness",
        "label": Text(en="A safe place to stay", es="Un lugar seguro donde quedarse"),
        "severity": "high",
        "urgency": "today",
        "evidence": [],
        "categories": ["housing.shelter", "housing.transitional"],
        "also": ["housing.rent-help", "goods.hygiene"],
        "preferred": [],
        "gravity": "homelessness",
    }
    return Need(**(values | fields))


CLIENT = Client(age=40, sex="female", preferred_language="en", situations_complete=True)


def ranked(candidates: list[Candidate], need: Need | None = None, client: Client = CLIENT, per_need: int = 5):
    return rank([need or shelter_need()], client, candidates, context(client, TODAY), per_need)


def names(candidates: list[Candidate], **kwargs: Any) -> list[str]:
    proposals, _ = ranked(candidates, **kwargs)
    return [proposal.service.name for proposal in proposals[0].proposals]


# --- fit --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "fit"),
    [
        (["housing.shelter"], FIT_EXACT),
        (["housing.rent-help"], FIT_ALSO),
        (["housing"], FIT_BROADER),
        (["housing.shelter", "housing.transitional"], FIT_EXACT + 0.1),
        (["housing.shelter", "goods.hygiene"], FIT_EXACT),  # breadth counts categories the need names, not "also"
        (["food.pantry"], 0.0),
    ],
)
def test_fit_is_how_closely_the_service_categories_match_the_need(codes: list[str], fit: float) -> None:
    assert need_fit(shelter_need(), service("s", *codes)) == pytest.approx(fit)


def test_a_top_level_category_named_by_a_need_fits_its_subcategories_less() -> None:
    need = shelter_need(categories=["housing"], also=[])
    assert need_fit(need, service("s", "housing.shelter")) == FIT_WITHIN


def test_categories_preferred_by_the_rules_fit_best() -> None:
    need = shelter_need(preferred=["housing.transitional"])
    assert need_fit(need, service("s", "housing.transitional")) == FIT_PREFERRED


def test_a_service_that_helps_in_part_does_not_outrank_one_that_addresses_the_need() -> None:
    partial = service("Rent help next door", "housing.rent-help", distance_km=0.1)
    full = service("Shelter across town", "housing.shelter", distance_km=6.0)
    assert names([partial, full]) == ["Shelter across town", "Rent help next door"]


# --- the other parts --------------------------------------------------------------------------------------------


def test_nearer_ranks_higher_and_a_hotline_counts_as_fairly_near() -> None:
    assert nearness(0) == 1.0 and nearness(5) == 0.5
    assert nearness(None) == 0.7
    far, near = service("Far", "housing.shelter", distance_km=12.0), service("Near", "housing.shelter")
    assert names([far, near]) == ["Near", "Far"]


def test_a_waitlist_ranks_lower_with_a_caution() -> None:
    full = service("Full", "housing.shelter", capacity="waitlist")
    room = service("Room", "housing.shelter")
    proposals, _ = ranked([full, room])
    assert [p.service.name for p in proposals[0].proposals] == ["Room", "Full"]
    assert [c.en for c in proposals[0].proposals[1].cautions] == ["Has a waitlist: ask to be put on it."]


def test_language_and_being_meant_for_people_like_the_client_rank_higher() -> None:
    spanish = Client(age=40, preferred_language="es", situations=frozenset({"homeless"}))
    plain = service("English only", "housing.shelter", languages=["en"])
    spoken = service("Spanish spoken", "housing.shelter", languages=["en", "es"])
    assert names([plain, spoken], client=spanish) == ["Spanish spoken", "English only"]
    homeless = Term(code="homeless", name=Text(en="People without a home", es="Personas sin hogar"))
    meant = service("For people without a home", "housing.shelter", situations=[homeless], distance_km=3.0)
    assert names([plain, meant], client=spanish)[0] == "For people without a home"


def test_uncertain_eligibility_ranks_lower_and_says_what_to_check() -> None:
    unsure = service("Ask about income", "housing.shelter", low_income=True)
    sure = service("Sure", "housing.shelter", distance_km=4.0)
    proposals, _ = ranked([unsure, sure])
    first, second = proposals[0].proposals
    assert (first.service.name, second.service.name) == ("Sure", "Ask about income")
    assert second.factors["certainty"] == 0.75
    assert second.cautions[0].en == "For people with low income: ask whether you qualify."


def test_an_old_listing_is_trusted_less_and_says_so() -> None:
    proposals, _ = ranked([service("Old", "housing.shelter", assured_date=date(2023, 5, 1))])
    proposal = proposals[0].proposals[0]
    assert proposal.factors["freshness"] == 0.0
    assert proposal.cautions[-1].en == "This listing was last checked in 2023: call to make sure it is still right."


def test_closed_now_is_a_caution_only_for_a_need_to_see_to_today() -> None:
    closed = service("Closed", "housing.shelter", open_now=False)
    today, _ = ranked([closed])
    later, _ = ranked([closed], need=shelter_need(urgency="soon"))
    assert "Closed right now: check when it opens." in [c.en for c in today[0].proposals[0].cautions]
    assert later[0].proposals[0].cautions == []


# --- reasons, exclusions, the short list ------------------------------------------------------------------------


def test_reasons_say_what_it_offers_and_why_it_fits_in_both_languages() -> None:
    open_free = service("Open", "housing.shelter", "goods.hygiene", open_now=True, free=True, distance_km=3.2)
    proposal = ranked([open_free])[0][0].proposals[0]
    assert [reason.en for reason in proposal.reasons] == [
        "Offers: Emergency shelters, Hygiene supplies.",
        "Taking new clients.",
        "Open now.",
        "Free.",
        "About 2.0 miles away.",
    ]
    assert all(reason.es for reason in proposal.reasons)
    assert proposal.reasons[0].es == "Ofrece: Emergency shelters (es), Hygiene supplies (es)."


def test_ineligible_services_are_excluded_with_their_reasons_and_never_proposed() -> None:
    men = service("Men only", "housing.shelter", genders=["men"])
    closed = service("Closed", "housing.transitional", status="temporarily closed", minimum_age=50)
    proposals, excluded = ranked([men, closed, service("Open", "housing.shelter")])
    assert [p.service.name for p in proposals[0].proposals] == ["Open"]
    assert {entry.service.name: [r.en for r in entry.reasons] for entry in excluded} == {
        "Closed": ["Closed for now.", "Only for ages 50 and up; you are 40."],
        "Men only": ["Only for men."],
    }
    assert all(entry.needs == ["homelessness"] for entry in excluded)


def test_each_need_keeps_a_short_list() -> None:
    candidates = [service(f"Shelter {n}", "housing.shelter", distance_km=float(n)) for n in range(8)]
    proposals, _ = ranked(candidates, per_need=3)
    assert [p.service.name for p in proposals[0].proposals] == ["Shelter 0", "Shelter 1", "Shelter 2"]


def test_services_that_fit_no_need_are_ignored() -> None:
    proposals, excluded = ranked([service("Pantry", "food.pantry", genders=["men"])])
    assert proposals[0].proposals == [] and excluded == []


# --- the whole match --------------------------------------------------------------------------------------------


def test_suicide_risk_puts_crisis_help_first_and_shows_it_with_the_alert() -> None:
    crisis_line = service("988", "emergency.crisis-lines", "mental-health.crisis-care", distance_km=None)
    gambling = service("Gambling helpline", "emergency.crisis-lines", distance_km=None)
    counseling = service("Counseling", "mental-health.counseling")
    result = match(
        Client(age=30),
        [Response(instrument="phq-9", answers=phq9(2, 2, 2, 2, 1, 1, 0, 0, 1)["answers"])],
        [],
        [counseling, gambling, crisis_line],
        TODAY,
    )
    assert [need.code for need in result.needs] == ["crisis", "mental-health"]
    assert result.requires_review
    alert = result.alerts[0]
    assert alert.code == "suicide-risk"
    assert [p.service.name for p in alert.resources] == ["988", "Gambling helpline"]
    assert [group.need for group in result.proposals] == ["crisis", "mental-health"]
    assert result.proposals[1].proposals[0].service.name == "Counseling"


def test_an_unanswered_item_9_asks_for_review_without_an_alert() -> None:
    answers = phq9(0, 0, 0, 0, 0, 0, 0, 0, 0)["answers"]
    del answers["44260-8"]
    result = match(Client(), [Response(instrument="phq-9", answers=answers)], [], [], TODAY)
    assert result.alerts == [] and result.requires_review
    assert [item.code for item in result.undetermined] == ["suicide-risk"]


def test_needs_imply_situations_that_services_ask_for() -> None:
    homeless = Term(code="homeless", name=Text(en="People without a home", es="Personas sin hogar"))
    for_homeless = service("For people without a home", "housing.shelter", situations=[homeless])
    result = match(
        Client(situations_complete=True),
        [],
        [RequestedNeed(code="homelessness")],
        [for_homeless],
        TODAY,
    )
    # A case manager's "homelessness" says the client is homeless, so the shelter for homeless people takes them.
    assert [p.service.name for p in result.proposals[0].proposals] == ["For people without a home"]
