"""Scoring one set of answers to an instrument: scores and bands, positive domains, alerts, and what is missing.

An unanswered item is never counted as 0. A score with unanswered items is partial: it has no value, only the range
(``lowest``..``highest``) it will fall in once every item is answered. Rules are decided on those ranges with
three outcomes: a rule holds, does not hold, or cannot be decided yet. A domain is reported positive, or an alert
raised, only when no answer to the missing items could change that (two PHQ-9 items at "Nearly every day" and the
rest unanswered already make the PHQ-2 positive; an unanswered item 9 leaves the suicide-risk alert undetermined,
which is itself worth showing). Answering more items only narrows the ranges, so it can never take back an alert.

Answers come as ``{question_code: option_code | number | [option_code]}`` (text and goals for the intake); an
unknown question or answer code is refused with ``Invalid`` naming the question.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Literal

import msgspec

from matching.errors import Invalid
from matching.instruments import (
    SEXES,
    Band,
    Condition,
    Instrument,
    Option,
    Question,
    ScoreDefinition,
    Text,
    Threshold,
    item_range,
    transform,
)

Number = int | Decimal


class Goal(msgspec.Struct, frozen=True, kw_only=True):
    goal: str
    steps: list[str]


# One answer after checking: the option chosen, the options chosen, a number, a text, or a list of goals.
Answer = Option | tuple[Option, ...] | Number | str | tuple[Goal, ...]
# Three-valued truth: None means "cannot be decided until more items are answered".
Truth = bool | None


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["positive", "alert"]
    # The domain of a positive rule, or the alert's code.
    code: str
    reason: Text
    action: Text | None = None


class ScoreValue(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    label: Text
    loinc: str | None
    # None while items are unanswered: the score is then only known to lie in lowest..highest.
    value: int | None
    complete: bool
    lowest: int
    highest: int
    unanswered: list[str]
    # The band, as soon as the whole possible range lies in one band.
    band: Band | None


class ScoreResult(msgspec.Struct, frozen=True, kw_only=True):
    instrument: str
    version: str
    # Every required question is answered. Unanswered optional questions are still listed in ``unanswered``.
    complete: bool
    unanswered: list[str]
    item_scores: dict[str, int]
    scores: list[ScoreValue]
    # One finding per rule that holds: a domain shows once for each reason (PHQ-9 total and PHQ-2, say).
    positive: list[Finding]
    alerts: list[Finding]
    # Rules that the unanswered items leave open (not listed for a domain that is already positive).
    undetermined: list[Finding]


def score(instrument: Instrument, answers: Mapping[str, object], *, sex: str | None = None) -> ScoreResult:
    """Score ``answers`` to ``instrument``. ``sex`` (male or female) picks sex-specific cut-offs such as AUDIT-C's;
    without it, a score between the two cut-offs leaves the rule undetermined."""
    if sex is not None and sex not in SEXES:
        raise Invalid("sex", f"must be {' or '.join(SEXES)}, or left out when it is not known")
    questions = {question.code: question for question in instrument.questions}
    for code in answers:
        if code not in questions:
            raise Invalid(f"answers.{code}", f"the {instrument.title.en} has no question {code!r}")
    given: dict[str, Answer] = {}
    for question in instrument.questions:
        answer = _parse(question, answers.get(question.code), f"answers.{question.code}")
        if answer is not None:
            given[question.code] = answer
    evaluation = _Evaluation(questions, given, sex)
    scores = [evaluation.score(definition) for definition in instrument.scores]

    positive: list[Finding] = []
    open_rules: list[Finding] = []
    for rule in instrument.positive:
        finding = Finding(kind="positive", code=rule.domain, reason=rule.label)
        verdict = evaluation.holds(rule.when)
        if verdict:
            positive.append(finding)
        elif verdict is None:
            open_rules.append(finding)
    positive_domains = {finding.code for finding in positive}
    undetermined = [finding for finding in open_rules if finding.code not in positive_domains]
    alerts: list[Finding] = []
    for alert in instrument.alerts:
        finding = Finding(kind="alert", code=alert.code, reason=alert.label, action=alert.action)
        verdict = evaluation.holds(alert.when)
        if verdict:
            alerts.append(finding)
        elif verdict is None:
            undetermined.append(finding)

    unanswered = [question.code for question in instrument.questions if question.code not in given]
    return ScoreResult(
        instrument=instrument.code,
        version=instrument.version,
        complete=not any(questions[code].required for code in unanswered),
        unanswered=unanswered,
        item_scores={
            code: answer.score
            for code, answer in given.items()
            if isinstance(answer, Option) and answer.score is not None
        },
        scores=scores,
        positive=positive,
        alerts=alerts,
        undetermined=undetermined,
    )


class _Evaluation:
    def __init__(self, questions: dict[str, Question], given: dict[str, Answer], sex: str | None) -> None:
        self.questions = questions
        self.given = given
        self.sex = sex
        self.scores: dict[str, ScoreValue] = {}

    def score(self, definition: ScoreDefinition) -> ScoreValue:
        ranges: list[tuple[int, int]] = []
        for code in definition.items:
            low, high = self.item_bounds(code)
            # Score items are whole numbers with a minimum and a maximum: the loader checks it.
            assert isinstance(low, int) and isinstance(high, int)
            ranges.append((low, high))
        low, high = transform(definition, ranges)
        unanswered = [code for code in definition.items if code not in self.given]
        low_band, high_band = _band(definition.bands, low), _band(definition.bands, high)
        value = ScoreValue(
            code=definition.code,
            label=definition.label,
            loinc=definition.loinc,
            value=None if unanswered else low,
            complete=not unanswered,
            lowest=low,
            highest=high,
            unanswered=unanswered,
            band=low_band if low_band == high_band else None,
        )
        self.scores[definition.code] = value
        return value

    def item_bounds(self, code: str) -> tuple[Number | None, Number | None]:
        """What a question's item score is, or may be while unanswered (None: no limit that way)."""
        answer = self.given.get(code)
        if isinstance(answer, Option):
            return answer.score, answer.score
        if isinstance(answer, int | Decimal):
            return answer, answer
        return item_range(self.questions[code])

    def holds(self, condition: Condition) -> Truth:
        if condition.any is not None:
            return any_of([self.holds(inner) for inner in condition.any])
        if condition.all is not None:
            return all_of([self.holds(inner) for inner in condition.all])
        if condition.answer_in is not None:
            answer = self.given.get(condition.question or "")
            if answer is None:
                return None
            chosen = answer if isinstance(answer, tuple) else (answer,)
            return any(isinstance(option, Option) and option.code in condition.answer_in for option in chosen)
        low: Number | None
        high: Number | None
        if condition.score is not None:
            value = self.scores[condition.score]
            low, high = value.lowest, value.highest
        else:
            low, high = self.item_bounds(condition.question or "")
        verdicts = []
        if condition.at_least is not None:
            verdicts.append(_at_least(low, high, self._threshold(condition.at_least)))
        if condition.at_most is not None:
            verdicts.append(_at_most(low, high, self._threshold(condition.at_most)))
        return all_of(verdicts)

    def _threshold(self, threshold: Threshold) -> tuple[int, int]:
        """The lowest and highest cut-off that may apply: one cut-off, unless it depends on a sex not given."""
        if isinstance(threshold, int):
            return threshold, threshold
        if self.sex is not None:
            return threshold[self.sex], threshold[self.sex]
        return min(threshold.values()), max(threshold.values())


def _at_least(low: Number | None, high: Number | None, cutoffs: tuple[int, int]) -> Truth:
    if low is not None and low >= cutoffs[1]:
        return True
    if high is not None and high < cutoffs[0]:
        return False
    return None


def _at_most(low: Number | None, high: Number | None, cutoffs: tuple[int, int]) -> Truth:
    if high is not None and high <= cutoffs[0]:
        return True
    if low is not None and low > cutoffs[1]:
        return False
    return None


def any_of(verdicts: list[Truth]) -> Truth:
    return True if True in verdicts else (None if None in verdicts else False)


def all_of(verdicts: list[Truth]) -> Truth:
    return False if False in verdicts else (None if None in verdicts else True)


def _band(bands: list[Band], value: int) -> Band | None:
    return next((band for band in bands if band.min <= value <= band.max), None)


def _parse(question: Question, value: object, field: str) -> Answer | None:
    """The checked answer to one question, or None when it is unanswered (absent, null, empty)."""
    if value is None:
        return None
    if question.type == "choice":
        return _option(question, value, field)
    if question.type == "multiple_choice":
        return _options(question, value, field)
    if question.type == "number":
        return _number(question, value, field)
    if question.type == "text":
        if not isinstance(value, str):
            raise Invalid(field, "must be text")
        return value.strip() or None
    return _goals(value, field)


def _option(question: Question, value: object, field: str) -> Option:
    for option in question.options:
        if option.code == value:
            return option
    codes = ", ".join(option.code for option in question.options)
    if not isinstance(value, str):
        raise Invalid(field, f"answer with one of the option codes: {codes}")
    raise Invalid(field, f"{value!r} is not an answer to question {question.code}; the answers are: {codes}")


def _options(question: Question, value: object, field: str) -> tuple[Option, ...] | None:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise Invalid(field, "answer with a list of option codes (this question allows more than one answer)")
    chosen: list[Option] = []
    for code in value:
        option = _option(question, code, field)
        if option not in chosen:
            chosen.append(option)
    exclusive = next((option for option in chosen if option.exclusive), None)
    if exclusive is not None and len(chosen) > 1:
        raise Invalid(field, f"{exclusive.code} ({exclusive.label.en}) cannot be chosen together with other answers")
    return tuple(chosen) or None


def _number(question: Question, value: object, field: str) -> Number:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise Invalid(field, "must be a number")
    # A float from JSON is read back from its shortest text, which is the number the person typed.
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):
        raise Invalid(field, "must be a number")
    if -exponent > question.decimals and number != round(number, question.decimals):
        places = f"can have at most {question.decimals} decimals"
        raise Invalid(field, places if question.decimals else "must be a whole number")
    low, high = question.minimum, question.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            raise Invalid(field, f"must be between {low} and {high}")
        raise Invalid(field, f"must be {low} or more" if low is not None else f"must be {high} or less")
    return int(number) if not question.decimals else number


def _goals(value: object, field: str) -> tuple[Goal, ...] | None:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise Invalid(field, "answer with a list of goals, each {goal, steps}")
    goals = []
    for index, item in enumerate(value):
        place = f"{field}[{index}]"
        if not isinstance(item, Mapping) or set(item) - {"goal", "steps"}:
            raise Invalid(place, "each goal is {goal: text, steps: [text, ...]}")
        goal, steps = item.get("goal"), item.get("steps", [])
        if not isinstance(goal, str) or not goal.strip():
            raise Invalid(f"{place}.goal", "say what the goal is")
        if isinstance(steps, str) or not isinstance(steps, Sequence):
            raise Invalid(f"{place}.steps", "must be a list of steps")
        for number, step in enumerate(steps):
            if not isinstance(step, str) or not step.strip():
                raise Invalid(f"{place}.steps[{number}]", "each step is a short text")
        goals.append(Goal(goal=goal.strip(), steps=[step.strip() for step in steps]))
    return tuple(goals) or None
