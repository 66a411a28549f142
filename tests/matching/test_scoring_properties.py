"""Properties of scoring that hold for every instrument and any set of valid answers, complete or not."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import instruments
from matching.instruments import Instrument, Question
from matching.scoring import score

CODES = sorted(instruments.catalogue())
words = st.text(min_size=1, max_size=20).filter(str.strip)


def answer(question: Question) -> st.SearchStrategy[object]:
    """Any valid answer to a question."""
    if question.type == "choice":
        return st.sampled_from([option.code for option in question.options])
    if question.type == "multiple_choice":
        exclusive = [option.code for option in question.options if option.exclusive]
        others = [option.code for option in question.options if not option.exclusive]
        several = st.lists(st.sampled_from(others), min_size=1, unique=True)
        return st.one_of(several, st.sampled_from(exclusive).map(lambda code: [code])) if exclusive else several
    if question.type == "number":
        low = question.minimum if question.minimum is not None else -1000
        high = question.maximum if question.maximum is not None else low + 1000
        if question.decimals:
            return st.decimals(min_value=low, max_value=high, places=question.decimals)
        return st.integers(min_value=low, max_value=high)
    if question.type == "text":
        return words
    goal = st.fixed_dictionaries({"goal": words, "steps": st.lists(words, max_size=3)})
    return st.lists(goal, min_size=1, max_size=3)


def answer_sets(instrument: Instrument) -> st.SearchStrategy[dict[str, object]]:
    """Valid answers to any subset of the instrument's questions."""
    return st.fixed_dictionaries({}, optional={q.code: answer(q) for q in instrument.questions})


sexes = st.sampled_from([None, "male", "female"])


@pytest.mark.parametrize("code", CODES)
@settings(max_examples=150, deadline=None)
@given(data=st.data(), sex=sexes)
def test_scores_stay_within_the_instrument_range(code: str, data: st.DataObject, sex: str | None) -> None:
    instrument = instruments.instrument(code)
    questions = {q.code: q for q in instrument.questions}
    answers = data.draw(answer_sets(instrument))
    result = score(instrument, answers, sex=sex)
    for definition, value in zip(instrument.scores, result.scores, strict=True):
        low, high = instruments.score_range(definition, questions)
        assert low <= value.lowest <= value.highest <= high
        if value.complete:
            assert value.value == value.lowest == value.highest
            assert value.band is not None or not definition.bands
        else:
            assert value.value is None and value.unanswered
    assert set(result.unanswered) == set(questions) - set(answers)


@pytest.mark.parametrize("code", CODES)
@settings(max_examples=150, deadline=None)
@given(data=st.data(), sex=sexes)
def test_adding_an_answer_never_removes_an_alert_or_a_positive_domain(
    code: str, data: st.DataObject, sex: str | None
) -> None:
    instrument = instruments.instrument(code)
    answers = data.draw(answer_sets(instrument))
    unanswered = [q for q in instrument.questions if q.code not in answers]
    if not unanswered:
        return
    question = data.draw(st.sampled_from(unanswered))
    before = score(instrument, answers, sex=sex)
    after = score(instrument, {**answers, question.code: data.draw(answer(question))}, sex=sex)
    assert {a.code for a in before.alerts} <= {a.code for a in after.alerts}
    assert {p.code for p in before.positive} <= {p.code for p in after.positive}


@settings(max_examples=200, deadline=None)
@given(answers=answer_sets(instruments.instrument("ahc-hrsn")))
def test_ahc_safety_positive_is_exactly_a_complete_sum_of_11_or_more_when_all_four_are_answered(
    answers: dict[str, object],
) -> None:
    result = score(instruments.instrument("ahc-hrsn"), answers)
    safety = next(s for s in result.scores if s.code == "safety")
    positive = "interpersonal-safety" in {p.code for p in result.positive}
    if safety.complete:
        assert positive is (safety.value is not None and safety.value >= 11)
    assert not positive or safety.lowest >= 11
