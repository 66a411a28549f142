"""Assessment instruments (screenings, outcome measures and the intake) as versioned data.

Each instrument is one YAML file in ``seed_data/instruments/`` (the format is described in the README there). The
Structs below are both the shape of those files and what ``GET /api/v1/instruments[/{code}]`` returns, so what a
case manager reads in the API is exactly what the scoring in ``matching.scoring`` uses.

Loading checks everything a YAML editor can get wrong and names the file, the entry (question, option, score, rule)
and the field: the shape through msgspec, then the meaning (codes unique, rules pointing at questions that exist,
bands that cover a score's whole range without gaps, ...).
"""

from functools import cache
from pathlib import Path
from typing import Literal

import msgspec

from matching import datafile
from matching.datafile import Problem
from matching.errors import NotFound

INSTRUMENT_DIR = Path(__file__).resolve().parent.parent / "seed_data" / "instruments"

QuestionType = Literal["choice", "multiple_choice", "number", "text", "goals"]
ScoreMethod = Literal["sum", "product"]

# A cut-off is one number, or one for each sex ({male: 4, female: 3}). When sex is not known, a rule holds only if it
# holds at both cut-offs and fails only if it fails at both; in between it stays undetermined.
SEXES = ("male", "female")
Threshold = int | dict[str, int]


class InstrumentFileError(ValueError):
    """An instrument file cannot be used; the message names the file, the entry and the field."""


class _Data(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the instrument Structs: a field the format does not know is a typo, not an extension.

    Each subclass repeats ``frozen`` and ``kw_only`` because type checkers do not inherit them."""


class Text(_Data, frozen=True, kw_only=True):
    en: str
    es: str | None = None


class Option(_Data, frozen=True, kw_only=True):
    code: str
    label: Text
    score: int | None = None
    description: Text | None = None
    # An answer that cannot be chosen together with others ("None of the above").
    exclusive: bool = False


class Question(_Data, frozen=True, kw_only=True):
    code: str
    text: Text
    type: QuestionType
    options: list[Option] = []
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    decimals: int = 0
    unit: Text | None = None
    preamble: Text | None = None


class Band(_Data, frozen=True, kw_only=True):
    """A named part of a score's range; both ends are included."""

    min: int
    max: int
    code: str
    label: Text
    action: Text | None = None


class ScoreDefinition(_Data, frozen=True, kw_only=True):
    """A score computed from item scores: sum (or product), then cap, then multiply, then subtract from a number."""

    code: str
    label: Text
    loinc: str | None = None
    items: list[str]
    method: ScoreMethod = "sum"
    cap: int | None = None
    multiply: int = 1
    subtract_from: int | None = None
    bands: list[Band] = []


class Condition(_Data, frozen=True, kw_only=True):
    """A test on the answers: about a question or a score, or ``any``/``all`` of other conditions."""

    question: str | None = None
    score: str | None = None
    answer_in: list[str] | None = None
    at_least: Threshold | None = None
    at_most: Threshold | None = None
    any: list["Condition"] | None = None
    all: list["Condition"] | None = None


class PositiveRule(_Data, frozen=True, kw_only=True):
    domain: str
    label: Text
    when: Condition


class AlertRule(_Data, frozen=True, kw_only=True):
    code: str
    label: Text
    action: Text
    when: Condition


class Instrument(_Data, frozen=True, kw_only=True):
    code: str
    version: str
    title: Text
    source: str
    licence: str
    loinc: str | None = None
    instructions: Text | None = None
    questions: list[Question]
    scores: list[ScoreDefinition] = []
    positive: list[PositiveRule] = []
    alerts: list[AlertRule] = []


def load(directory: Path = INSTRUMENT_DIR) -> dict[str, Instrument]:
    """Every ``*.yaml`` instrument in ``directory``, by code, checked."""
    instruments = {}
    for path in sorted(directory.glob("*.yaml")):
        instrument = read(path)
        instruments[instrument.code] = instrument
    if not instruments:
        raise InstrumentFileError(f"{directory}: no instrument files (*.yaml) found")
    return instruments


@cache
def catalogue() -> dict[str, Instrument]:
    """The instruments shipped in ``seed_data/instruments``, loaded once."""
    return load()


def instrument(code: str) -> Instrument:
    try:
        return catalogue()[code]
    except KeyError:
        raise NotFound(f"no instrument {code!r}; the instruments are: {', '.join(catalogue())}") from None


def read(path: Path) -> Instrument:
    def check(instrument: Instrument) -> None:
        _check(instrument, path)

    shape = "describe one instrument (code, version, title, ...)"
    return datafile.read(path, Instrument, InstrumentFileError, _ENTRY_NAMES, shape, check)


# Names for the list entries of the file, so that errors say "question 44250-9" rather than "questions[0]".
_ENTRY_NAMES = {
    "questions": "question",
    "options": "option",
    "scores": "score",
    "bands": "band",
    "positive": "positive rule for",
    "alerts": "alert",
}


def _check(instrument: Instrument, path: Path) -> None:
    if instrument.code != path.stem:
        raise Problem("code", f"is {instrument.code!r} but the file is named {path.name}; they must match")
    if not instrument.title.es:
        raise Problem("title", "needs both an English (en) and a Spanish (es) title")
    questions: dict[str, Question] = {}
    for question in instrument.questions:
        if question.code in questions:
            raise Problem(f"question {question.code}", "this code is used twice")
        questions[question.code] = question
        _check_question(question)
    scores: dict[str, ScoreDefinition] = {}
    for definition in instrument.scores:
        if definition.code in scores:
            raise Problem(f"score {definition.code}", "this code is used twice")
        scores[definition.code] = definition
        _check_score(definition, questions)
    for rule in instrument.positive:
        _check_condition(rule.when, f"positive rule for {rule.domain}: when", questions, scores)
    alert_codes: set[str] = set()
    for alert in instrument.alerts:
        if alert.code in alert_codes:
            raise Problem(f"alert {alert.code}", "this code is used twice")
        alert_codes.add(alert.code)
        _check_condition(alert.when, f"alert {alert.code}: when", questions, scores)


def _check_question(question: Question) -> None:
    place = f"question {question.code}"
    choices = question.type in ("choice", "multiple_choice")
    if choices and len(question.options) < 2:
        raise Problem(place, f"a {question.type} question needs at least two options")
    if not choices and question.options:
        raise Problem(place, f"a {question.type} question has no options; remove them or change its type")
    if question.type != "number" and (question.minimum is not None or question.maximum is not None or question.unit):
        raise Problem(place, "minimum, maximum and unit are only for number questions")
    if question.type != "number" and question.decimals:
        raise Problem(place, "decimals is only for number questions")
    if question.decimals < 0:
        raise Problem(place, "decimals cannot be negative")
    if question.minimum is not None and question.maximum is not None and question.minimum > question.maximum:
        raise Problem(place, "minimum is larger than maximum")
    seen: set[str] = set()
    for option in question.options:
        if option.code in seen:
            raise Problem(f"{place}: option {option.code}", "this code is used twice in the question")
        seen.add(option.code)
        if option.exclusive and question.type != "multiple_choice":
            raise Problem(f"{place}: option {option.code}", "exclusive is only for multiple_choice questions")


def _scored(question: Question) -> bool:
    """Whether every answer to the question has a number to add up or compare."""
    if question.type == "number":
        return question.decimals == 0
    return question.type == "choice" and all(option.score is not None for option in question.options)


def item_range(question: Question) -> tuple[int | None, int | None]:
    """The lowest and highest item score a question can give (None: no limit); for scored questions only."""
    if question.type == "number":
        return question.minimum, question.maximum
    scores = [option.score for option in question.options if option.score is not None]
    return min(scores), max(scores)


def _check_score(definition: ScoreDefinition, questions: dict[str, Question]) -> None:
    place = f"score {definition.code}"
    if not definition.items:
        raise Problem(f"{place}: items", "list the questions the score is made of")
    for code in definition.items:
        question = questions.get(code)
        if question is None:
            raise Problem(f"{place}: items", f"there is no question {code}")
        if not _scored(question):
            raise Problem(
                f"{place}: items",
                f"question {code} cannot be scored: it must be a choice question whose options all have a score,"
                " or a whole-number question",
            )
        low, high = item_range(question)
        if low is None or high is None:
            raise Problem(f"{place}: items", f"question {code} needs a minimum and a maximum to be part of a score")
        if definition.method == "product" and low < 0:
            raise Problem(f"{place}: items", f"question {code} can be negative, so it cannot be multiplied")
    if definition.multiply < 1:
        raise Problem(f"{place}: multiply", "must be 1 or more")
    _check_bands(definition, questions)


def score_range(definition: ScoreDefinition, questions: dict[str, Question]) -> tuple[int, int]:
    """The lowest and highest value a (checked) score definition can take."""
    ranges = []
    for code in definition.items:
        low, high = item_range(questions[code])
        assert low is not None and high is not None, "checked by _check_score"
        ranges.append((low, high))
    return transform(definition, ranges)


def transform(definition: ScoreDefinition, ranges: list[tuple[int, int]]) -> tuple[int, int]:
    """The range of a score given the range each item is known to lie in (equal ends for an answered item)."""
    if definition.method == "product":
        low, high = 1, 1
        for item_low, item_high in ranges:
            low, high = low * item_low, high * item_high
    else:
        low, high = sum(r[0] for r in ranges), sum(r[1] for r in ranges)
    if definition.cap is not None:
        low, high = min(low, definition.cap), min(high, definition.cap)
    low, high = low * definition.multiply, high * definition.multiply
    if definition.subtract_from is not None:
        low, high = definition.subtract_from - high, definition.subtract_from - low
    return low, high


def _check_bands(definition: ScoreDefinition, questions: dict[str, Question]) -> None:
    if not definition.bands:
        return
    low, high = score_range(definition, questions)
    place = f"score {definition.code}: bands"
    expected = low
    for band in definition.bands:
        if band.min > band.max:
            raise Problem(f"{place}: band {band.code}", f"min {band.min} is larger than max {band.max}")
        if band.min != expected:
            raise Problem(
                f"{place}: band {band.code}",
                f"starts at {band.min} but should start at {expected}: bands go from lowest to highest, each starting"
                " one above where the last one ended",
            )
        expected = band.max + 1
    if expected != high + 1:
        raise Problem(place, f"the last band ends at {expected - 1} but the score can reach {high}")


def _check_condition(
    condition: Condition, place: str, questions: dict[str, Question], scores: dict[str, ScoreDefinition]
) -> None:
    subjects = [name for name in ("question", "score", "any", "all") if getattr(condition, name) is not None]
    if len(subjects) != 1:
        raise Problem(place, "name exactly one of: question, score, any, all")
    comparisons = [condition.at_least, condition.at_most]
    if condition.any is not None or condition.all is not None:
        nested = condition.any if condition.any is not None else condition.all
        name = "any" if condition.any is not None else "all"
        if not nested:
            raise Problem(place, f"{name} needs at least one condition")
        if condition.answer_in is not None or any(c is not None for c in comparisons):
            raise Problem(place, f"{name} cannot be combined with answer_in, at_least or at_most")
        for index, inner in enumerate(nested):
            _check_condition(inner, f"{place}: {name}[{index}]", questions, scores)
        return
    for threshold in comparisons:
        if isinstance(threshold, dict) and sorted(threshold) != sorted(SEXES):
            raise Problem(place, "a cut-off by sex gives one number for male and one for female, and nothing else")
    if condition.score is not None:
        if condition.score not in scores:
            raise Problem(place, f"there is no score {condition.score}")
        if condition.answer_in is not None or all(c is None for c in comparisons):
            raise Problem(place, "a score condition needs at_least and/or at_most")
        return
    question = questions.get(condition.question or "")
    if question is None:
        raise Problem(place, f"there is no question {condition.question}")
    if condition.answer_in is not None:
        if any(c is not None for c in comparisons):
            raise Problem(place, "use either answer_in or at_least/at_most, not both")
        if question.type not in ("choice", "multiple_choice"):
            raise Problem(place, f"answer_in needs a choice question, and {question.code} is {question.type}")
        known = {option.code for option in question.options}
        for code in condition.answer_in:
            if code not in known:
                raise Problem(place, f"question {question.code} has no option {code}")
        return
    if all(c is None for c in comparisons):
        raise Problem(place, "a question condition needs answer_in, at_least or at_most")
    if question.type != "number" and not _scored(question):
        raise Problem(place, f"at_least and at_most need a number or a scored answer, and {question.code} has none")
