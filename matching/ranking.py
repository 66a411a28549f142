"""Ranking: for each need, the services that may take the client and help with it, best first, with reasons.

A service's score for a need is how well its categories fit the need (0 to 1) times a blend of seven parts, each
from 0 to 1 (``WEIGHTS``): how sure the eligibility rules are, how near it is, whether it speaks the client's
language, whether it is meant for people in the client's situation, whether it has room, whether it is open now,
and how recently the listing was checked. Fit multiplies rather than adds, so that a service that only helps in
part (a tenant hotline for someone without a home) never outranks one that addresses the need unless it is much
better on everything else. Every proposal carries the reasons and cautions a client can read; a service that fails
any eligibility rule is never proposed, and is listed as excluded with the rules it failed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Self
from uuid import UUID

import msgspec

from matching.client import Client
from matching.eligibility import Candidate, Check, Context, eligible, evaluate, situation_fit
from matching.instruments import Text
from matching.needs import Need

WEIGHTS = {
    "certainty": 0.20,
    "distance": 0.25,
    "language": 0.15,
    "for_them": 0.10,
    "capacity": 0.15,
    "hours": 0.05,
    "freshness": 0.10,
}
# How well a service's category fits a need: preferred by the rules that found the need, named by the need, under a
# top-level category the need names, named as helping in part (``also``), or only the top-level category of one the
# need names. Each further category of the service that the need names adds ``FIT_BREADTH`` (988 offers crisis
# lines and crisis care), to 1.
FIT_PREFERRED, FIT_EXACT, FIT_WITHIN, FIT_ALSO, FIT_BROADER = 1.0, 0.9, 0.7, 0.5, 0.4
FIT_BREADTH = 0.1
UNKNOWN_COST = 0.25  # certainty lost for each rule that could not be decided
NEAR_KM = 5.0  # nearness is 1 / (1 + km / NEAR_KM): 5 km away counts half as near as next door
REACHABLE = 0.7  # no site to travel to (a hotline, an online service) that serves the client's area
REACHABLE_KM = NEAR_KM * (1 / REACHABLE - 1)  # a site this far (about 2 km) counts as near as no site to travel to
CAPACITY = {"accepting": 1.0, None: 0.7, "waitlist": 0.4, "at-capacity": 0.1}
HOURS = {True: 1.0, None: 0.5, False: 0.2}
FRESH_DAYS = ((365, 1.0), (730, 0.5))  # checked within a year counts fully, within two years half
KM_PER_MILE = 1.609344


class ServiceRef(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    name_es: str | None
    organization: str | None
    address: str | None


class Proposal(msgspec.Struct, frozen=True, kw_only=True):
    service: ServiceRef
    score: float
    distance_km: float | None
    reasons: list[Text]
    cautions: list[Text]
    factors: dict[str, float]  # the parts of the score, each from 0 to 1
    checks: list[Check]  # every eligibility rule's answer


class NeedProposals(msgspec.Struct, frozen=True, kw_only=True):
    need: str
    label: Text
    proposals: list[Proposal]


class Excluded(msgspec.Struct, frozen=True, kw_only=True):
    service: ServiceRef
    needs: list[str]  # the needs it would have helped with
    reasons: list[Text]


def rank(
    needs: Sequence[Need], client: Client, candidates: Sequence[Candidate], context: Context, per_need: int
) -> tuple[list[NeedProposals], list[Excluded]]:
    """The best ``per_need`` eligible services for each need, and every candidate that is not eligible."""
    proposals: dict[str, list[Proposal]] = {need.code: [] for need in needs}
    excluded: list[Excluded] = []
    fitters = {need.code: _Fit.of(need) for need in needs}
    for candidate in candidates:
        fits = {code: fit for code, fitter in fitters.items() if (fit := fitter.service(candidate)) > 0}
        if not fits:
            continue
        checks = evaluate(client, candidate, context)
        if not eligible(checks):
            reasons = [check.reason for check in checks if check.outcome == "fail"]
            excluded.append(Excluded(service=_service(candidate), needs=list(fits), reasons=reasons))
            continue
        for need in needs:
            if need.code in fits:
                fit = fits[need.code]
                proposals[need.code].append(
                    _proposal(need, fitters[need.code], fit, client, candidate, checks, context)
                )
    ranked = [
        NeedProposals(
            need=need.code,
            label=need.label,
            proposals=sorted(proposals[need.code], key=_order)[:per_need],
        )
        for need in needs
    ]
    return ranked, sorted(excluded, key=lambda entry: (entry.service.name, str(entry.service.id)))


def need_fit(need: Need, candidate: Candidate) -> float:
    """How well the service's categories fit the need (0: not at all)."""
    return _Fit.of(need).service(candidate)


@dataclass(frozen=True)
class _Fit:
    """A need's categories sorted by how well they fit it, to score the categories of many services."""

    preferred: frozenset[str]
    named: frozenset[str]
    also: frozenset[str]
    broader: frozenset[str]  # the top-level categories of those the need names

    @classmethod
    def of(cls, need: Need) -> Self:
        listed = (*need.categories, *need.also)
        return cls(
            frozenset(need.preferred),
            frozenset(need.categories),
            frozenset(need.also),
            frozenset(code.split(".")[0] for code in listed),
        )

    def category(self, code: str) -> float:
        top = code.split(".")[0]
        if code in self.preferred:
            return FIT_PREFERRED
        if code in self.named:
            return FIT_EXACT
        if top in self.named:
            return FIT_WITHIN
        if code in self.also or top in self.also:
            return FIT_ALSO
        return FIT_BROADER if code in self.broader else 0.0

    def service(self, candidate: Candidate) -> float:
        fits = sorted((fit for term in candidate.categories if (fit := self.category(term.code)) > 0), reverse=True)
        if not fits:
            return 0.0
        return min(1.0, fits[0] + FIT_BREADTH * sum(1 for fit in fits[1:] if fit >= FIT_EXACT))


def _proposal(
    need: Need, fitter: _Fit, fit: float, client: Client, candidate: Candidate, checks: list[Check], context: Context
) -> Proposal:
    unknown = sum(1 for check in checks if check.outcome == "unknown")
    factors = {
        "certainty": max(0.0, 1.0 - UNKNOWN_COST * unknown),
        "distance": nearness(candidate.distance_km),
        "language": _language_fit(client, candidate),
        "for_them": situation_fit(client, candidate),
        "capacity": CAPACITY[candidate.capacity],
        "hours": HOURS[candidate.open_now],
        "freshness": freshness(candidate.assured_date, context.today),
    }
    score = fit * sum(WEIGHTS[part] * value for part, value in factors.items())
    return Proposal(
        service=_service(candidate),
        score=round(score, 3),
        distance_km=None if candidate.distance_km is None else round(candidate.distance_km, 2),
        reasons=_reasons(fitter, candidate, checks),
        cautions=_cautions(need, candidate, checks, context.today),
        factors={"fit": round(fit, 3)} | {part: round(value, 3) for part, value in factors.items()},
        checks=checks,
    )


def nearness(distance_km: float | None) -> float:
    return REACHABLE if distance_km is None else 1.0 / (1.0 + distance_km / NEAR_KM)


def freshness(assured: date | None, today: date) -> float:
    if assured is None:
        return 0.0
    age = (today - assured).days
    return next((credit for days, credit in FRESH_DAYS if age <= days), 0.0)


def _language_fit(client: Client, candidate: Candidate) -> float:
    """Whether the service speaks the client's language, or at least offers interpreters."""
    wanted = client.preferred_language or "en"
    if wanted in candidate.languages:
        return 1.0
    return 0.6 if candidate.interpretation else 0.3


def _reasons(fitter: _Fit, candidate: Candidate, checks: list[Check]) -> list[Text]:
    helps = [term.name for term in candidate.categories if fitter.category(term.code) > 0]
    reasons = [
        Text(
            en=f"Offers: {', '.join(name.en for name in helps)}.",
            es=f"Ofrece: {', '.join(name.es or name.en for name in helps)}.",
        )
    ]
    reasons += [check.reason for check in checks if check.outcome == "pass" and not check.caution]
    if candidate.open_now:
        reasons.append(Text(en="Open now.", es="Abierto ahora."))
    if candidate.free:
        reasons.append(Text(en="Free.", es="Gratis."))
    if candidate.distance_km is not None:
        miles = candidate.distance_km / KM_PER_MILE
        reasons.append(Text(en=f"About {miles:.1f} miles away.", es=f"A unas {miles:.1f} millas."))
    return reasons


def _cautions(need: Need, candidate: Candidate, checks: list[Check], today: date) -> list[Text]:
    cautions = [check.reason for check in checks if check.outcome == "unknown" or check.caution]
    if candidate.open_now is False and need.urgency == "today":
        cautions.append(Text(en="Closed right now: check when it opens.", es="Cerrado ahora: revise cuándo abre."))
    if candidate.assured_date is None:
        cautions.append(
            Text(
                en="This listing has not been checked yet: call to make sure it is right.",
                es="Esta información todavía no se ha revisado: llame para confirmar que es correcta.",
            )
        )
    elif freshness(candidate.assured_date, today) < 1.0:
        year = candidate.assured_date.year
        cautions.append(
            Text(
                en=f"This listing was last checked in {year}: call to make sure it is still right.",
                es=f"Esta información se revisó por última vez en {year}: llame para confirmar que sigue bien.",
            )
        )
    return cautions


def _service(candidate: Candidate) -> ServiceRef:
    return ServiceRef(
        id=candidate.service_id,
        name=candidate.name,
        name_es=candidate.name_es,
        organization=candidate.organization,
        address=candidate.address,
    )


def _order(proposal: Proposal) -> tuple[float, float, str]:
    distance = proposal.distance_km if proposal.distance_km is not None else 0.0
    return -proposal.score, distance, proposal.service.name
