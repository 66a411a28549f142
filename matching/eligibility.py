"""Whether a client may use a service: one rule per question a provider would ask, each with its reason.

A rule answers pass, fail or unknown, in words a client can read. Unknown is not fail: it says what to check
("Has an income limit: check your income"). A rule that has nothing to say about a service (no age limits) gives no
answer at all. A pass can carry a caution (a waitlist, papers to bring) that the ranking shows and weighs.

Services arrive as ``Candidate``s: plain data the directory fills from its catalog, with the facts only the
database can decide already decided (whether the service area covers the client, how far the nearest site is,
whether it is open now). Nothing here knows where they came from.
"""

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

import msgspec

from matching.client import Client
from matching.instruments import Text
from matching.poverty import PovertyLevel, guideline, percent_of_poverty, region, year_in_effect
from matching.scoring import Truth, all_of, any_of

Outcome = Literal["pass", "fail", "unknown"]
Capacity = Literal["accepting", "waitlist", "at-capacity"]
UNINSURED = "uninsured"  # the waypost-insurance code for care without insurance (free or sliding scale)

# "For people with low income" names no limit; at or under twice the poverty guideline (the line most programmes
# for low-income households draw) counts as low income, above it the client should ask.
LOW_INCOME_PERCENT = Decimal(200)

# Situations a person is in for a while, which a service for them requires: a service that names both people without
# a home and people about to lose one takes either, and so does one for parents and pregnant people. Every other
# situation says who a person is (a veteran, a survivor, an immigrant): a service that names several of those is for
# any of them, and "older adults" is one of those groups (aging and disability services are for either). The other
# age groups only describe a service in words: its minimum and maximum age are the limits.
CIRCUMSTANCES = (
    frozenset({"homeless", "at-risk-of-homelessness"}),
    frozenset({"parents", "pregnant"}),
)
DESCRIPTIVE_AGES = frozenset({"children", "youth", "young-adults", "adults"})
# The ages of the narrow age groups, for ranking a service meant for a client's age group (teens) above one for all.
AGE_GROUPS = {"children": (0, 11), "youth": (12, 17), "young-adults": (18, 24)}
SENIORS = "seniors"
SENIOR_AGE = 60  # an older adult, for a service that names no minimum age of its own

# Names of the languages most often offered in the region, for reasons such as "Offers help in Spanish".
LANGUAGE_NAMES = {
    "en": Text(en="English", es="inglés"),
    "es": Text(en="Spanish", es="español"),
    "vi": Text(en="Vietnamese", es="vietnamita"),
    "ru": Text(en="Russian", es="ruso"),
    "uk": Text(en="Ukrainian", es="ucraniano"),
    "zh": Text(en="Chinese", es="chino"),
    "ko": Text(en="Korean", es="coreano"),
    "so": Text(en="Somali", es="somalí"),
    "ar": Text(en="Arabic", es="árabe"),
    "fa": Text(en="Farsi", es="farsi"),
    "tl": Text(en="Tagalog", es="tagalo"),
    "am": Text(en="Amharic", es="amárico"),
    "mam": Text(en="Mam", es="mam"),
    "ase": Text(en="American Sign Language", es="lengua de señas americana"),
}


class Term(msgspec.Struct, frozen=True, kw_only=True):
    """A code of a Waypost vocabulary with its name, for reasons in plain words."""

    code: str
    name: Text


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    """A service the directory found for a need, with what the eligibility rules and the ranking look at."""

    service_id: UUID
    name: str
    name_es: str | None = None
    organization: str | None = None
    status: str = "active"
    categories: list[Term] = []  # Waypost categories as the service is tagged (sub-categories mostly)
    minimum_age: float | None = None
    maximum_age: float | None = None
    genders: list[str] = []  # "women", "men", "transgender-nonbinary": only these, when any
    situations: list[Term] = []  # who the service is for: situations (veterans, homeless, ...) and age groups
    low_income: bool = False  # for people with low income, no limit named
    income_limit: Decimal | None = None  # percent of the poverty guideline, at most
    insurance: list[Term] = []  # insurance accepted; empty when the service does not say
    languages: list[str] = []  # ISO 639-1 (or 639-3) codes of the languages offered
    interpretation: str | None = None  # what the service says about interpreters
    service_areas: list[str] = []  # names of the areas it serves; empty: anyone who can get there
    # Whether the service's area covers where the client lives; None when it names no area (or where the client
    # lives is not known).
    covers_client: bool | None = None
    distance_km: float | None = None  # to its nearest site; None for services without a site (hotlines)
    address: str | None = None  # of that site
    required_documents: list[str] = []
    free: bool = False
    capacity: Capacity | None = None
    open_now: bool | None = None
    assured_date: date | None = None  # when the listing was last verified


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """What every rule may need besides the client and the service, worked out once per match."""

    today: date
    poverty: PovertyLevel | None  # the household's income against the guideline, when income and size are known


def context(client: Client, today: date) -> Context:
    poverty = None
    if client.monthly_income is not None and client.household_size is not None and client.state is not None:
        poverty = percent_of_poverty(client.monthly_income, client.household_size, today, client.state)
    return Context(today=today, poverty=poverty)


class Check(msgspec.Struct, frozen=True, kw_only=True):
    rule: str
    outcome: Outcome
    reason: Text
    caution: bool = False  # a pass the client should know about before going


def evaluate(client: Client, candidate: Candidate, context: Context) -> list[Check]:
    """Every rule's answer about this client and service, in the order a person would ask them."""
    checks = [rule(client, candidate, context) for rule in RULES]
    return [check for check in checks if check is not None]


def eligible(checks: Sequence[Check]) -> bool:
    return all(check.outcome != "fail" for check in checks)


# --- the rules --------------------------------------------------------------------------------------------------


def status(client: Client, candidate: Candidate, context: Context) -> Check | None:
    closed = {
        "active": None,
        "temporarily closed": Text(en="Closed for now.", es="Está cerrado por ahora."),
        "inactive": Text(en="Not offered right now.", es="No se ofrece en este momento."),
        "defunct": Text(en="No longer offered.", es="Ya no se ofrece."),
    }
    if candidate.status not in closed:
        return Check(
            rule="status",
            outcome="unknown",
            reason=Text(en="Call to check that it is still running.", es="Llame para confirmar que sigue funcionando."),
        )
    reason = closed[candidate.status]
    return None if reason is None else Check(rule="status", outcome="fail", reason=reason)


def area(client: Client, candidate: Candidate, context: Context) -> Check | None:
    names = "; ".join(candidate.service_areas)
    where = Text(en=f" ({names})", es=f" ({names})") if names else Text(en="", es="")
    if candidate.covers_client:
        return Check(
            rule="area",
            outcome="pass",
            reason=Text(en=f"Serves where you live{where.en}.", es=f"Atiende donde usted vive{where.es}."),
        )
    if candidate.covers_client is False:
        return Check(
            rule="area",
            outcome="fail",
            reason=Text(en=f"Does not serve where you live{where.en}.", es=f"No atiende donde usted vive{where.es}."),
        )
    if not names:
        return None
    return Check(
        rule="area",
        outcome="unknown",
        reason=Text(
            en=f"Only serves people who live in: {names}. Check that you live there.",
            es=f"Solo atiende a personas que viven en: {names}. Confirme que usted vive ahí.",
        ),
    )


def age(client: Client, candidate: Candidate, context: Context) -> Check | None:
    low, high = candidate.minimum_age, candidate.maximum_age
    if low is None and high is None:
        return None
    if low is not None and high is not None:
        ages = Text(
            en=f"ages {_number(low)} to {_number(high)}", es=f"personas de {_number(low)} a {_number(high)} años"
        )
    elif low is not None:
        ages = Text(en=f"ages {_number(low)} and up", es=f"personas de {_number(low)} años o más")
    else:
        ages = Text(en=f"ages {_number(high or 0)} and under", es=f"personas de {_number(high or 0)} años o menos")
    if client.age is None:
        return Check(
            rule="age",
            outcome="unknown",
            reason=Text(en=f"Only for {ages.en}: check your age.", es=f"Solo para {ages.es}: revise su edad."),
        )
    fits = (low is None or client.age >= low) and (high is None or client.age <= high)
    if fits:
        reason = Text(en=f"For {ages.en}.", es=f"Para {ages.es}.")
        return Check(rule="age", outcome="pass", reason=reason)
    return Check(
        rule="age",
        outcome="fail",
        reason=Text(
            en=f"Only for {ages.en}; you are {client.age}.", es=f"Solo para {ages.es}; usted tiene {client.age}."
        ),
    )


_GENDER_NAMES = {
    "women": Text(en="women", es="mujeres"),
    "men": Text(en="men", es="hombres"),
    "transgender-nonbinary": Text(en="transgender and nonbinary people", es="personas transgénero y no binarias"),
}


def gender(client: Client, candidate: Candidate, context: Context) -> Check | None:
    if not candidate.genders:
        return None
    names = [_GENDER_NAMES.get(code, Text(en=code, es=code)) for code in candidate.genders]
    who = Text(en=" and ".join(n.en for n in names), es=" y ".join(n.es or n.en for n in names))
    if not client.genders:
        return Check(
            rule="gender",
            outcome="unknown",
            reason=Text(
                en=f"Only for {who.en}: check that they can serve you.",
                es=f"Solo para {who.es}: confirme que le pueden atender.",
            ),
        )
    if client.genders & set(candidate.genders):
        return Check(rule="gender", outcome="pass", reason=Text(en=f"For {who.en}.", es=f"Para {who.es}."))
    return Check(rule="gender", outcome="fail", reason=Text(en=f"Only for {who.en}.", es=f"Solo para {who.es}."))


def situations(client: Client, candidate: Candidate, context: Context) -> Check | None:
    """Every circumstance the service names (``CIRCUMSTANCES``), and one of the groups it is for, if it names any.
    Unless the client's situations are known to be complete, one that is not listed is unknown, not missing."""
    named = _named(candidate)
    if not named:
        return None
    verdict = all_of([_in(client, candidate, codes) for codes in _requirements({term.code for term in named})])
    names = Text(
        en=", ".join(term.name.en for term in named), es=", ".join(term.name.es or term.name.en for term in named)
    )
    if verdict:
        reason = Text(en=f"Meant for: {names.en}.", es=f"Pensado para: {names.es}.")
        return Check(rule="situations", outcome="pass", reason=reason)
    if verdict is None:
        reason = Text(
            en=f"Meant for: {names.en}. Check that you qualify.", es=f"Pensado para: {names.es}. Confirme que califica."
        )
        return Check(rule="situations", outcome="unknown", reason=reason)
    return Check(
        rule="situations", outcome="fail", reason=Text(en=f"Only for: {names.en}.", es=f"Solo para: {names.es}.")
    )


def situation_fit(client: Client, candidate: Candidate) -> float:
    """How much a service is meant for people like the client, for ranking: 1 when it is for a group they belong to
    (veterans, older adults, teens), 0.75 when it is for their circumstances (no home), 0.5 when it is for everyone,
    and 0.25 when it is for people in situations the client is not known to be in."""
    if client.age is not None and any(
        low <= client.age <= high
        for code, (low, high) in AGE_GROUPS.items()
        if any(term.code == code for term in candidate.situations)
    ):
        return 1.0
    wanted = {term.code for term in _named(candidate)}
    if not wanted:
        return 0.5
    groups = frozenset(wanted.difference(*CIRCUMSTANCES))
    if groups and _in(client, candidate, groups):
        return 1.0
    circumstances = [kind for kind in CIRCUMSTANCES if kind & wanted]
    return 0.75 if circumstances and all(_in(client, candidate, kind) for kind in circumstances) else 0.25


def _named(candidate: Candidate) -> list[Term]:
    return [term for term in candidate.situations if term.code not in DESCRIPTIVE_AGES]


def _requirements(wanted: set[str]) -> list[frozenset[str]]:
    """Each set of situations of which the client must be in one: every circumstance, and the groups together."""
    requirements = [kind & wanted for kind in CIRCUMSTANCES if kind & wanted]
    groups = frozenset(wanted.difference(*CIRCUMSTANCES))
    return [*requirements, groups] if groups else requirements


def _in(client: Client, candidate: Candidate, codes: frozenset[str]) -> Truth:
    """Whether the client is in one of these situations; an older adult by age, against the service's own minimum."""
    if codes & client.situations:
        return True
    verdicts: list[Truth] = [False if client.situations_complete else None] if codes - {SENIORS} else []
    if SENIORS in codes:
        verdicts.append(None if client.age is None else client.age >= (candidate.minimum_age or SENIOR_AGE))
    return any_of(verdicts)


def income(client: Client, candidate: Candidate, context: Context) -> Check | None:
    limit = candidate.income_limit
    if limit is None and not candidate.low_income:
        return None
    poverty = context.poverty
    if limit is None:
        return _low_income(client, poverty)
    rule = Text(
        en=f"Only for households with income up to {_number(limit)}% of the federal poverty level",
        es=f"Solo para hogares con ingresos de hasta el {_number(limit)} % del nivel federal de pobreza",
    )
    if poverty is None:
        monthly = _monthly_limit(client, limit, context.today)
        return Check(
            rule="income",
            outcome="unknown",
            reason=Text(
                en=f"{rule.en}{monthly.en}. Check your income.", es=f"{rule.es}{monthly.es}. Revise sus ingresos."
            ),
        )
    yours = Text(
        en=f"; yours is about {poverty.percent:.0f}%.",
        es=f"; los de su hogar son alrededor del {poverty.percent:.0f} %.",
    )
    if poverty.percent <= limit:
        return Check(rule="income", outcome="pass", reason=Text(en=f"{rule.en}{yours.en}", es=f"{rule.es}{yours.es}"))
    return Check(rule="income", outcome="fail", reason=Text(en=f"{rule.en}{yours.en}", es=f"{rule.es}{yours.es}"))


def _low_income(client: Client, poverty: PovertyLevel | None) -> Check:
    if (poverty is not None and poverty.percent <= LOW_INCOME_PERCENT) or "low-income" in client.situations:
        return Check(
            rule="income",
            outcome="pass",
            reason=Text(en="For people with low income.", es="Para personas con bajos ingresos."),
        )
    return Check(
        rule="income",
        outcome="unknown",
        reason=Text(
            en="For people with low income: ask whether you qualify.",
            es="Para personas con bajos ingresos: pregunte si usted califica.",
        ),
    )


def _monthly_limit(client: Client, limit: Decimal, today: date) -> Text:
    """ ", about $X a month for a household of N", when the household size says which guideline applies."""
    if client.household_size is None or client.state is None:
        return Text(en="", es="")
    dollars = guideline(year_in_effect(today), client.household_size, region(client.state)) * limit / 100 / 12
    people = client.household_size
    return Text(
        en=f", about ${dollars:,.0f} a month for a household of {people}",
        es=f", alrededor de ${dollars:,.0f} al mes para un hogar de {people}",
    )


def insurance(client: Client, candidate: Candidate, context: Context) -> Check | None:
    if not candidate.insurance:
        return None
    accepted = Text(
        en=", ".join(term.name.en for term in candidate.insurance),
        es=", ".join(term.name.es or term.name.en for term in candidate.insurance),
    )
    if not client.insurance:
        return Check(
            rule="insurance",
            outcome="unknown",
            reason=Text(
                en=f"Takes: {accepted.en}. Check that it takes your insurance.",
                es=f"Acepta: {accepted.es}. Confirme que acepta su seguro.",
            ),
        )
    yours = [term for term in candidate.insurance if term.code in client.insurance]
    if [term.code for term in yours] == [UNINSURED]:
        return Check(
            rule="insurance",
            outcome="pass",
            reason=Text(
                en="Sees people with no insurance, for free or on a sliding scale.",
                es="Atiende a personas sin seguro, gratis o con una tarifa según sus ingresos.",
            ),
        )
    if client.insurance == {UNINSURED}:
        return Check(
            rule="insurance",
            outcome="fail",
            reason=Text(
                en=f"Does not see people with no insurance. It takes: {accepted.en}.",
                es=f"No atiende a personas sin seguro. Acepta: {accepted.es}.",
            ),
        )
    if yours:
        names = Text(en=", ".join(t.name.en for t in yours), es=", ".join(t.name.es or t.name.en for t in yours))
        return Check(
            rule="insurance",
            outcome="pass",
            reason=Text(en=f"Takes your insurance: {names.en}.", es=f"Acepta su seguro: {names.es}."),
        )
    return Check(
        rule="insurance",
        outcome="fail",
        reason=Text(
            en=f"Does not take your insurance. It takes: {accepted.en}.",
            es=f"No acepta su seguro. Acepta: {accepted.es}.",
        ),
    )


def language(client: Client, candidate: Candidate, context: Context) -> Check | None:
    """With limited English, a client needs their own language or an interpreter; others only gain from it."""
    wanted = client.preferred_language
    if wanted is None or wanted == "en":
        return None
    name = language_name(wanted)
    if wanted in candidate.languages:
        return Check(
            rule="language",
            outcome="pass",
            reason=Text(en=f"Offers help in {name.en}.", es=f"Ofrece ayuda en {name.es}."),
        )
    if not client.limited_english:
        return None
    if candidate.interpretation:
        return Check(
            rule="language",
            outcome="pass",
            caution=True,
            reason=Text(
                en=f"Ask for a {name.en} interpreter when you call. They say: {candidate.interpretation}",
                es=f"Pida un intérprete de {name.es} cuando llame. El servicio dice: {candidate.interpretation}",
            ),
        )
    return Check(
        rule="language",
        outcome="fail",
        reason=Text(
            en=f"Does not offer help in {name.en} or interpreters.", es=f"No ofrece ayuda en {name.es} ni intérpretes."
        ),
    )


def language_name(code: str) -> Text:
    return LANGUAGE_NAMES.get(code, Text(en=code, es=code))


def capacity(client: Client, candidate: Candidate, context: Context) -> Check | None:
    if candidate.capacity is None:
        return None
    if candidate.capacity == "accepting":
        return Check(
            rule="capacity", outcome="pass", reason=Text(en="Taking new clients.", es="Recibe clientes nuevos.")
        )
    if candidate.capacity == "waitlist":
        reason = Text(en="Has a waitlist: ask to be put on it.", es="Tiene lista de espera: pida que le anoten.")
    else:
        reason = Text(
            en="Full right now: ask when they will have room.", es="Está lleno por ahora: pregunte cuándo habrá lugar."
        )
    return Check(rule="capacity", outcome="pass", caution=True, reason=reason)


def documents(client: Client, candidate: Candidate, context: Context) -> Check | None:
    if not candidate.required_documents:
        return None
    papers = "; ".join(document.strip().rstrip(".") for document in candidate.required_documents)
    return Check(
        rule="documents",
        outcome="pass",
        caution=True,
        reason=Text(
            en=f"Bring: {papers}. Ask if you do not have them.", es=f"Traiga: {papers}. Pregunte si no los tiene."
        ),
    )


RULES: tuple[Callable[[Client, Candidate, Context], Check | None], ...] = (
    status,
    area,
    age,
    gender,
    situations,
    income,
    insurance,
    language,
    capacity,
    documents,
)


def _number(value: float | Decimal) -> str:
    """12, not 12.0; 0.5 stays 0.5."""
    return f"{value.normalize():f}" if isinstance(value, Decimal) else f"{value:g}"
