"""Needs: what a client needs help with, found by rules kept as data in ``seed_data/rules/needs.yaml``.

The rules read scored instruments (positive domains, score bands, alerts, single answers) and facts about the client
(situations, insurance, limited English). Each need a rule finds carries a severity, an urgency and the evidence in
plain words, and names the Waypost service categories that help with it. Safety alerts (suicide risk, someone
hurting the client) bring their need with them and put it first; they always ask for a person to review them.

Loading checks the file the way ``matching.instruments`` checks instruments: the shape through msgspec, then the
meaning (every instrument, question, answer, score band, positive domain and alert a rule names exists), with
messages that name the file, the entry and the field. Category codes belong to the directory's vocabulary, which
``matching`` does not import: a test checks that each one exists.

Conditions are three-valued like the instruments' own rules. An instrument that was not given finds nothing, and
neither does an unanswered question; a score or alert that unanswered items leave open is undetermined, and an
alert that is undetermined is reported so that someone asks the missing questions.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import msgspec

from matching import datafile, instruments, scoring
from matching.client import Client
from matching.datafile import Problem
from matching.errors import Invalid, NotFound
from matching.instruments import Text
from matching.scoring import ScoreResult, Truth

RULES_FILE = Path(__file__).resolve().parent.parent / "seed_data" / "rules" / "needs.yaml"

Severity = Literal["low", "moderate", "high"]
Urgency = Literal["routine", "soon", "today"]
SEVERITIES: tuple[Severity, ...] = ("low", "moderate", "high")
URGENCIES: tuple[Urgency, ...] = ("routine", "soon", "today")

# Where a piece of evidence comes from when it is not an instrument.
CLIENT = "client"  # facts given about the client (situations, insurance, language)
CASE_MANAGER = "case-manager"  # a need the case manager named


class RulesFileError(ValueError):
    """The needs rules cannot be used; the message names the file, the entry and the field."""


class _Data(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the rule Structs: a field the format does not know is a typo, not an extension."""


class Condition(_Data, frozen=True, kw_only=True):
    """One test: about an instrument's result, a fact about the client, or ``any``/``all`` of other tests."""

    instrument: str | None = None
    positive: str | None = None  # a positive domain of the instrument
    alert: str | None = None  # an alert of the instrument
    score: str | None = None  # a score of the instrument, with ``band``
    band: list[str] | None = None
    question: str | None = None  # a question of the instrument, with ``answer_in``
    answer_in: list[str] | None = None
    situation: str | None = None
    insurance: str | None = None
    limited_english: bool | None = None
    any: list["Condition"] | None = None
    all: list["Condition"] | None = None


class FindingRule(_Data, frozen=True, kw_only=True):
    when: Condition
    severity: Severity
    urgency: Urgency
    evidence: Text
    prefer: list[str] = []  # categories of the need that fit best when this rule finds it (opioids: medication)


class NeedRule(_Data, frozen=True, kw_only=True):
    code: str
    label: Text
    gravity: str | None = None  # the Gravity Project SDOH domain, for the FHIR exchange
    categories: list[str]  # Waypost categories that address the need
    also: list[str] = []  # categories that help with it in part
    situations: list[str] = []  # eligibility situations a person with this need is in
    found_by: list[FindingRule] = []


class AlertRule(_Data, frozen=True, kw_only=True):
    code: str
    label: Text
    action: Text
    requires_review: bool = False
    need: str
    when: Condition
    evidence: Text


class Rules(_Data, frozen=True, kw_only=True):
    version: str
    alerts: list[AlertRule] = []
    needs: list[NeedRule]


# --- what the rules find ---------------------------------------------------------------------------------------


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    source: str  # the instrument code, "client" or "case-manager"
    text: Text


class Need(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    label: Text
    severity: Severity
    urgency: Urgency
    evidence: list[Evidence]
    categories: list[str]
    also: list[str]
    preferred: list[str]  # categories the rules that found the need say fit best
    gravity: str | None


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    label: Text
    action: Text
    requires_review: bool
    need: str
    evidence: list[Evidence]


class Undetermined(msgspec.Struct, frozen=True, kw_only=True):
    """A safety alert that unanswered questions leave open: ask them."""

    code: str
    label: Text
    instruments: list[str]


class Response(msgspec.Struct, frozen=True, kw_only=True):
    """One instrument's answers, as ``{question_code: option_code | number | [option_code]}``."""

    instrument: str
    answers: dict[str, Any]


class RequestedNeed(msgspec.Struct, frozen=True, kw_only=True):
    """A need the case manager names; its severity and urgency, when given, replace what the rules found."""

    code: str
    severity: Severity | None = None
    urgency: Urgency | None = None


class Assessment(msgspec.Struct, frozen=True, kw_only=True):
    needs: list[Need]  # most pressing first: needs of alerts that require review, then by urgency and severity
    alerts: list[Alert]
    undetermined: list[Undetermined]
    situations: frozenset[str]  # the client's situations with those their needs imply


# --- deriving needs ---------------------------------------------------------------------------------------------


def assess(
    client: Client,
    responses: Sequence[Response],
    requested: Sequence[RequestedNeed] = (),
    rules: Rules | None = None,
) -> Assessment:
    """The client's needs and safety alerts from their answers and facts, plus the needs a case manager named."""
    rules = rules or catalogue()
    evaluation = _Evaluation(client, scored(responses, client), {r.instrument: r.answers for r in responses})
    found: dict[str, _Found] = {}
    alerts: list[Alert] = []
    undetermined: list[Undetermined] = []
    for alert in rules.alerts:
        verdict = evaluation.holds(alert.when)
        if verdict is None:
            undetermined.append(
                Undetermined(code=alert.code, label=alert.label, instruments=sorted(_instruments(alert.when)))
            )
        if not verdict:
            continue
        evidence = Evidence(source=evaluation.source(alert.when), text=alert.evidence)
        alerts.append(
            Alert(
                code=alert.code,
                label=alert.label,
                action=alert.action,
                requires_review=alert.requires_review,
                need=alert.need,
                evidence=[evidence],
            )
        )
        found.setdefault(alert.need, _Found()).add("high", "today", evidence, first=alert.requires_review)
    for need in rules.needs:
        for finding in need.found_by:
            if evaluation.holds(finding.when):
                evidence = Evidence(source=evaluation.source(finding.when), text=finding.evidence)
                found.setdefault(need.code, _Found()).add(finding.severity, finding.urgency, evidence, finding.prefer)
    by_code = {rule.code: rule for rule in rules.needs}
    for index, asked in enumerate(requested):
        if asked.code not in by_code:
            known = ", ".join(rule.code for rule in rules.needs)
            raise Invalid(f"needs[{index}].code", f"there is no need {asked.code!r}; the needs are: {known}")
        found.setdefault(asked.code, _Found()).request(asked)

    order = list(by_code)
    needs = []
    for code in sorted(found, key=lambda c: (not found[c].first, *found[c].rank, order.index(c))):
        rule, facts = by_code[code], found[code]
        needs.append(
            Need(
                code=code,
                label=rule.label,
                severity=facts.severity,
                urgency=facts.urgency,
                evidence=facts.evidence,
                categories=list(rule.categories),
                also=list(rule.also),
                preferred=facts.preferred,
                gravity=rule.gravity,
            )
        )
    implied = {situation for need in needs for situation in by_code[need.code].situations}
    return Assessment(needs=needs, alerts=alerts, undetermined=undetermined, situations=client.situations | implied)


def scored(responses: Sequence[Response], client: Client) -> dict[str, ScoreResult]:
    """Each response scored with its instrument; bad input is refused naming ``responses[i]...``."""
    results: dict[str, ScoreResult] = {}
    for index, response in enumerate(responses):
        place = f"responses[{index}]"
        try:
            instrument = instruments.instrument(response.instrument)
        except NotFound as missing:
            raise Invalid(f"{place}.instrument", str(missing)) from None
        if instrument.code in results:
            raise Invalid(f"{place}.instrument", f"{instrument.code} is given twice; send one set of answers each")
        try:
            results[instrument.code] = scoring.score(instrument, response.answers, sex=client.sex)
        except Invalid as invalid:
            raise Invalid(f"{place}.{invalid.field}", invalid.message) from None
    return results


@dataclass
class _Found:
    """What the rules found so far about one need: the worst severity and urgency, and every piece of evidence."""

    severity: Severity = "low"
    urgency: Urgency = "routine"
    evidence: list[Evidence] = field(default_factory=list)
    preferred: list[str] = field(default_factory=list)
    first: bool = False  # raised by an alert that requires review: shown before everything else

    def add(
        self, severity: Severity, urgency: Urgency, evidence: Evidence, prefer: Sequence[str] = (), first: bool = False
    ) -> None:
        self.severity = max(self.severity, severity, key=SEVERITIES.index)
        self.urgency = max(self.urgency, urgency, key=URGENCIES.index)
        if evidence not in self.evidence:
            self.evidence.append(evidence)
        self.preferred += [code for code in prefer if code not in self.preferred]
        self.first = self.first or first

    def request(self, asked: RequestedNeed) -> None:
        if not self.evidence:  # named only by the case manager: a moderate need to see to soon, unless they say
            self.severity, self.urgency = "moderate", "soon"
        self.severity = asked.severity or self.severity
        self.urgency = asked.urgency or self.urgency
        self.evidence.append(
            Evidence(
                source=CASE_MANAGER,
                text=Text(
                    en="The case manager added this need.", es="La persona que maneja su caso agregó esta necesidad."
                ),
            )
        )

    @property
    def rank(self) -> tuple[int, int]:
        """Sorts the most urgent, then the most severe, first."""
        return -URGENCIES.index(self.urgency), -SEVERITIES.index(self.severity)


class _Evaluation:
    def __init__(
        self, client: Client, results: dict[str, ScoreResult], answers: Mapping[str, Mapping[str, Any]]
    ) -> None:
        self.client = client
        self.results = results
        self.answers = answers

    def holds(self, condition: Condition) -> Truth:
        if condition.any is not None:
            return scoring.any_of([self.holds(inner) for inner in condition.any])
        if condition.all is not None:
            return scoring.all_of([self.holds(inner) for inner in condition.all])
        if condition.situation is not None:
            return condition.situation in self.client.situations
        if condition.insurance is not None:
            return condition.insurance in self.client.insurance
        if condition.limited_english is not None:
            return self.client.limited_english == condition.limited_english
        result = self.results.get(condition.instrument or "")
        if result is None:
            return False
        if condition.positive is not None:
            return _finding(condition.positive, result.positive, result.undetermined, "positive")
        if condition.alert is not None:
            return _finding(condition.alert, result.alerts, result.undetermined, "alert")
        if condition.score is not None:
            return _in_bands(result, condition.score, condition.band or [])
        answer = self.answers[result.instrument].get(condition.question or "")
        chosen = answer if isinstance(answer, list) else [answer]
        return any(code in (condition.answer_in or []) for code in chosen)

    def source(self, condition: Condition) -> str:
        """Where the evidence for a condition that holds comes from: the instruments whose tests held, or client."""
        names = sorted({name for leaf in _leaves(condition) if self.holds(leaf) for name in _instruments(leaf)})
        return ", ".join(names) or CLIENT


def _finding(code: str, found: list[scoring.Finding], open_rules: list[scoring.Finding], kind: str) -> Truth:
    if any(finding.code == code for finding in found):
        return True
    if any(finding.code == code and finding.kind == kind for finding in open_rules):
        return None
    return False


def _in_bands(result: ScoreResult, code: str, bands: list[str]) -> Truth:
    """Whether the score lies in one of the bands; undetermined while its possible range straddles their edge."""
    value = next(score for score in result.scores if score.code == code)
    definition = next(d for d in instruments.instrument(result.instrument).scores if d.code == code)
    possible = {band.code for band in definition.bands if band.max >= value.lowest and band.min <= value.highest}
    if possible <= set(bands):
        return True
    return None if possible & set(bands) else False


def _leaves(condition: Condition) -> list[Condition]:
    nested = condition.any if condition.any is not None else condition.all
    return [leaf for inner in nested for leaf in _leaves(inner)] if nested is not None else [condition]


def _instruments(condition: Condition) -> set[str]:
    return {leaf.instrument for leaf in _leaves(condition) if leaf.instrument}


# --- loading and checking the rules -----------------------------------------------------------------------------


@cache
def catalogue() -> Rules:
    """The rules shipped in ``seed_data/rules/needs.yaml``, loaded once."""
    return load()


_ENTRY_NAMES = {"needs": "need", "alerts": "alert"}


def load(path: Path = RULES_FILE) -> Rules:
    shape = "hold the needs rules (version, alerts, needs)"
    return datafile.read(path, Rules, RulesFileError, _ENTRY_NAMES, shape, _check)


def _check(rules: Rules) -> None:
    codes: set[str] = set()
    for need in rules.needs:
        place = f"need {need.code}"
        if need.code in codes:
            raise Problem(place, "this code is used twice")
        codes.add(need.code)
        _check_text(need.label, f"{place}: label")
        if not need.categories:
            raise Problem(f"{place}: categories", "list at least one service category that helps with this need")
        listed = [*need.categories, *need.also]
        repeated = sorted({code for code in listed if listed.count(code) > 1})
        if repeated:
            raise Problem(place, f"{', '.join(repeated)} is listed more than once in categories and also")
        for index, finding in enumerate(need.found_by):
            where = f"{place}: found_by[{index}]"
            _check_text(finding.evidence, f"{where}: evidence")
            _check_condition(finding.when, f"{where}: when")
            stray = [code for code in finding.prefer if code not in listed]
            if stray:
                raise Problem(f"{where}: prefer", f"{', '.join(stray)} must be among the need's categories or also")
    alert_codes: set[str] = set()
    for alert in rules.alerts:
        place = f"alert {alert.code}"
        if alert.code in alert_codes:
            raise Problem(place, "this code is used twice")
        alert_codes.add(alert.code)
        if alert.need not in codes:
            raise Problem(f"{place}: need", f"there is no need {alert.need} in this file")
        for name in ("label", "action", "evidence"):
            _check_text(getattr(alert, name), f"{place}: {name}")
        _check_condition(alert.when, f"{place}: when")


def _check_text(text: Text, place: str) -> None:
    if not text.es:
        raise Problem(place, "needs both English (en) and Spanish (es)")


_CLIENT_TESTS = ("situation", "insurance", "limited_english")
_INSTRUMENT_TESTS = ("positive", "alert", "score", "question")


def _check_condition(condition: Condition, place: str) -> None:
    subjects = [name for name in ("instrument", *_CLIENT_TESTS, "any", "all") if getattr(condition, name) is not None]
    if len(subjects) != 1:
        raise Problem(place, "name exactly one of: instrument, situation, insurance, limited_english, any, all")
    subject = subjects[0]
    tests = [name for name in (*_INSTRUMENT_TESTS, "band", "answer_in") if getattr(condition, name) is not None]
    if subject in ("any", "all"):
        nested = condition.any if condition.any is not None else condition.all
        if not nested:
            raise Problem(place, f"{subject} needs at least one condition")
        if tests:
            raise Problem(place, f"{subject} cannot be combined with {', '.join(tests)}")
        for index, inner in enumerate(nested or []):
            _check_condition(inner, f"{place}: {subject}[{index}]")
        return
    if subject != "instrument":
        if tests:
            raise Problem(place, f"{subject} cannot be combined with {', '.join(tests)}")
        return
    _check_instrument_test(condition, place)


def _check_instrument_test(condition: Condition, place: str) -> None:
    try:
        instrument = instruments.instrument(condition.instrument or "")
    except NotFound as missing:
        raise Problem(place, str(missing)) from None
    name = instrument.code
    tests = [test for test in _INSTRUMENT_TESTS if getattr(condition, test) is not None]
    if len(tests) != 1:
        raise Problem(place, f"with instrument, name exactly one of: {', '.join(_INSTRUMENT_TESTS)}")
    if (condition.band is not None) != (condition.score is not None):
        raise Problem(place, "score and band go together: the score and the bands it must lie in")
    if (condition.answer_in is not None) != (condition.question is not None):
        raise Problem(place, "question and answer_in go together: the question and the answers that count")
    if condition.positive is not None and condition.positive not in {rule.domain for rule in instrument.positive}:
        raise Problem(place, f"{name} has no positive domain {condition.positive}")
    if condition.alert is not None and condition.alert not in {alert.code for alert in instrument.alerts}:
        raise Problem(place, f"{name} has no alert {condition.alert}")
    if condition.score is not None:
        definition = next((d for d in instrument.scores if d.code == condition.score), None)
        if definition is None:
            raise Problem(place, f"{name} has no score {condition.score}")
        known = {band.code for band in definition.bands}
        unknown = [code for code in condition.band or [] if code not in known]
        if not condition.band or unknown:
            bands = ", ".join(band.code for band in definition.bands) or "none"
            raise Problem(place, f"band must list bands of {name} {definition.code}; its bands are: {bands}")
    if condition.question is not None:
        question = next((q for q in instrument.questions if q.code == condition.question), None)
        if question is None:
            raise Problem(place, f"{name} has no question {condition.question}")
        if question.type not in ("choice", "multiple_choice"):
            raise Problem(place, f"answer_in needs a choice question, and {question.code} is {question.type}")
        options = {option.code for option in question.options}
        for code in condition.answer_in or []:
            if code not in options:
                raise Problem(place, f"question {question.code} has no answer {code}")
