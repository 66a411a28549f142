"""Referral operations as the web layer calls them. For now: one stateless match, which stores nothing."""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pycountry
from sqlalchemy.ext.asyncio import AsyncEngine

from directory import candidates
from directory.search.documents import language_code
from directory.search.query import SearchEngine
from directory.vocabularies import Term, Vocabularies
from matching import needs
from matching.client import Client, situation_code
from matching.errors import Invalid
from matching.match import MatchResult, propose
from referrals.schemas import ClientFacts, MatchRequest


@dataclass(frozen=True)
class Matcher:
    """What a match reads: the catalog's database, its search engine and vocabularies, and the timezone of times
    given without one. The app keeps one (``state.matcher``) for the API and the pages."""

    engine: AsyncEngine
    search: SearchEngine
    vocabularies: Vocabularies
    default_timezone: str

    async def match(self, request: MatchRequest) -> MatchResult:
        """Needs and alerts from the answers, candidates from the directory near the client, then the proposals."""
        facts = request.client
        place = candidates.locate(
            facts.postal_code,
            facts.location.lat if facts.location else None,
            facts.location.lon if facts.location else None,
            "client",
        )
        client = _client(facts, place.state, self.vocabularies)
        requested = [needs.RequestedNeed(code=item) if isinstance(item, str) else item for item in request.needs]
        assessment = needs.assess(client, request.responses, requested)
        at = request.at or datetime.now(UTC)
        if at.tzinfo is None:
            at = at.replace(tzinfo=ZoneInfo(self.default_timezone))
        # The nearest services of each need's own categories, and of the categories that help in part: kept apart, so
        # that many nearby services that only help in part never crowd out the ones that address a need.
        helping = sorted({code for need in assessment.needs for code in need.also})
        groups = [need.categories for need in assessment.needs] + [helping]
        found = await candidates.find(
            self.engine, self.search, self.vocabularies, place, groups, at, self.default_timezone
        )
        today = at.astimezone(ZoneInfo(self.default_timezone)).date()
        return propose(assessment, client, found, today, request.per_need)


def _client(facts: ClientFacts, state: str | None, vocabularies: Vocabularies) -> Client:
    """The client as the matching rules see them, with every code checked against Waypost's vocabularies."""
    language = _language(facts.preferred_language) if facts.preferred_language is not None else None
    if facts.limited_english and language in (None, "en"):
        raise Invalid(
            "client.preferred_language", "say which language the client prefers: they do not speak English well"
        )
    if facts.monthly_income is not None and (not facts.monthly_income.is_finite() or facts.monthly_income < 0):
        raise Invalid("client.monthly_income", "must be an amount of dollars, 0 or more")
    insurance = {term.code for term in insurance_terms(vocabularies)}
    for index, code in enumerate(facts.insurance):
        if code not in insurance:
            raise Invalid(f"client.insurance[{index}]", f"{code!r} is not one of: {', '.join(sorted(insurance))}")
    situations = {term.code for term in situation_terms(vocabularies)}
    codes = [situation_code(word) for word in facts.situations or []]
    for index, code in enumerate(codes):
        if code not in situations:
            raise Invalid(f"client.situations[{index}]", f"{code!r} is not one of: {', '.join(sorted(situations))}")
    return Client(
        age=facts.age,
        sex=facts.sex,
        gender_identity=facts.gender_identity,
        preferred_language=language,
        limited_english=facts.limited_english,
        state=state,
        household_size=facts.household_size,
        monthly_income=facts.monthly_income,
        insurance=frozenset(facts.insurance),
        situations=frozenset(codes),
        situations_complete=facts.situations is not None,
    )


def insurance_terms(vocabularies: Vocabularies) -> list[Term]:
    """The kinds of insurance a client may name (the ``waypost-insurance`` vocabulary), as the match checks them."""
    return [term for term in vocabularies.terms.values() if term.taxonomy == "waypost-insurance"]


def situation_terms(vocabularies: Vocabularies) -> list[Term]:
    """The situations a client may name: the situation group of ``waypost-eligibility``, and low income."""
    return [term for term in vocabularies.terms.values() if term.group == "situation" or term.code == "low-income"]


def _language(value: str) -> str:
    """ISO 639-1 where the language has a code there (``spa`` is ``es``), else its ISO 639-3 code."""
    code = language_code(value)
    known = pycountry.languages.get(**{"alpha_2" if len(code) == 2 else "alpha_3": code})
    if known is None:
        raise Invalid("client.preferred_language", f"{value!r} is not an ISO 639-1 or 639-3 language code")
    return code
