"""Matching on the website: the public self-screening and the case managers' page to try a match.

Both pages run the match of ``POST /api/v1/match`` (``referrals.services.Matcher``) and store nothing: no table is
written, the answers are posted (never put in an address, where server logs and browser history would keep them)
and nothing of them is logged. The questions come from the instrument definitions in ``seed_data/instruments``, so
one template macro draws any instrument. Bad input gets the form back, as entered, with a message next to the field
and status 400, never a 500.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, get_args

import msgspec
from litestar import Controller, Request, Router, get, post
from litestar.datastructures import State
from litestar.response import Template

from directory.pages import SEARCH_MESSAGES, ZIP, search_unavailable
from directory.search.query import SearchUnavailable
from matching import instruments
from matching.client import GenderIdentity, Sex
from matching.errors import Invalid
from matching.match import MatchResult
from matching.needs import Need, Response
from matching.ranking import Proposal
from referrals import services
from referrals.schemas import MatchRequest
from waypost.web import csrf, i18n, render
from waypost.web.i18n import N_

TEMPLATES = Path(__file__).parent / "templates"
MAX_AGE = 130  # as ClientFacts allows
MAX_HOUSEHOLD = 30
SCREENING = "ahc-hrsn"
# The screenings a case manager may add to a trial match (the public self-screening asks only the AHC core).
CASE_SCREENINGS = ("phq-9", "gad-7", "audit-c", "ahc-hrsn")
PUBLIC_PER_NEED = 3  # a few suggestions a person can act on, not a long list
# Languages offered in the case managers' form, most common in the region first; the match takes any ISO code.
LANGUAGES = ("en", "es", "vi", "ru", "zh", "uk", "so", "ar", "ko", "ro", "tl", "mam", "ase")
SEX_LABELS = {"female": N_("Female"), "male": N_("Male")}
GENDER_LABELS = {
    "woman": N_("Woman"),
    "man": N_("Man"),
    "transgender-woman": N_("Transgender woman"),
    "transgender-man": N_("Transgender man"),
    "nonbinary": N_("Nonbinary"),
}
FIELD_MESSAGES = {
    "postal_code": N_("Enter a 5-digit ZIP code, like 97214."),
    "age": SEARCH_MESSAGES["age"],
    "sex": N_("Choose female, male, or leave it empty."),
    "gender_identity": N_("Choose a gender identity from the list, or leave it empty."),
    "preferred_language": N_("Choose the language the client prefers (not English if they do not speak it well)."),
    "household_size": N_("Enter how many people live in the home, from 1 to 30, or leave it empty."),
    "monthly_income": N_("Enter dollars a month, like 1800, or leave it empty."),
    "insurance": N_("Choose insurance from the list."),
    "situations": N_("Choose situations from the list."),
}
ANSWER_MESSAGES = {
    "choice": N_("Choose one of the answers."),
    "multiple_choice": N_("Choose the answers that apply, or only “None of the above”."),
}
# What a person reads about a safety alert on the public page (the alert's own label is written for staff).
PUBLIC_ALERTS = {
    "interpersonal-safety": N_(
        "Your answers say someone may be hurting or threatening you. You deserve to be safe. "
        "If you are in danger now, call 911. These lines are free and open day and night:"
    ),
}
PUBLIC_ALERT = N_("Your answers say you may need help right away. If you are in danger now, call 911.")


@dataclass
class Entered:
    """A form as the visitor filled it in: every field's values as sent, to show back, and what was wrong."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return (self.fields.get(name) or [""])[0].strip()

    def chosen(self, name: str) -> list[str]:
        return [value for value in self.fields.get(name, []) if value]


def asked(instrument: instruments.Instrument) -> list[instruments.Question]:
    """The questions a page asks: the required ones (the AHC core; every item of the PHQ-9, GAD-7, AUDIT-C)."""
    return [question for question in instrument.questions if question.required]


def answer_field(instrument: instruments.Instrument, question: instruments.Question) -> str:
    """The form field (and element id) of one question's answer."""
    return f"answer-{instrument.code}-{question.code}"


async def _entered(request: Request) -> Entered:
    form = await request.form()
    return Entered({name: [str(value) for value in form.getall(name)] for name in form})


def _number(entered: Entered, name: str, low: int, high: int) -> int | None:
    text = entered.value(name)
    if not text:
        return None
    # A few ASCII digits only: int() would take other scripts' digits, and refuse thousands of them.
    if re.fullmatch(r"[0-9]{1,3}", text) and low <= int(text) <= high:
        return int(text)
    entered.errors[name] = FIELD_MESSAGES[name]
    return None


def _money(entered: Entered, name: str) -> Decimal | None:
    text = entered.value(name).replace("$", "").replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal(-1)
    if amount.is_finite() and amount >= 0:
        return amount
    entered.errors[name] = FIELD_MESSAGES[name]
    return None


def _choice(entered: Entered, name: str, allowed: Sequence[str]) -> str | None:
    value = entered.value(name)
    if value and value not in allowed:
        entered.errors[name] = FIELD_MESSAGES[name]
    return value if value in allowed else None


def _postal_code(entered: Entered) -> str | None:
    value = entered.value("postal_code")
    if not ZIP.fullmatch(value):
        entered.errors["postal_code"] = FIELD_MESSAGES["postal_code"]
    return value[:5]  # ZIP+4 is the same place


def _responses(entered: Entered, codes: Sequence[str]) -> list[Response]:
    """The answers to each instrument, by option code; an instrument with no answer at all is left out."""
    responses = []
    for code in codes:
        instrument = instruments.instrument(code)
        answers: dict[str, Any] = {}
        for question in asked(instrument):
            name = answer_field(instrument, question)
            chosen = entered.chosen(name)
            if not chosen:
                continue  # unanswered: the scoring says what it leaves open
            options = {option.code for option in question.options}
            if not set(chosen) <= options or (question.type == "choice" and len(chosen) > 1):
                entered.errors[name] = ANSWER_MESSAGES[question.type]
                continue
            answers[question.code] = chosen if question.type == "multiple_choice" else chosen[0]
        if answers:
            responses.append(Response(instrument=code, answers=answers))
    return responses


def _field_of(invalid: Invalid, responses: Sequence[Response]) -> tuple[str, str]:
    """The form field an ``Invalid`` from the match names (``client.insurance[0]``, ``responses[1].answers.X``), and
    the message to show beside it."""
    answer = re.fullmatch(r"responses\[(\d+)\]\.answers\.(.+)", invalid.field)
    if answer:
        instrument = instruments.instrument(responses[int(answer.group(1))].instrument)
        question = next(question for question in asked(instrument) if question.code == answer.group(2))
        return answer_field(instrument, question), ANSWER_MESSAGES[question.type]
    name = re.sub(r"\[\d+\]$", "", invalid.field.removeprefix("client."))
    return (name, FIELD_MESSAGES[name]) if name in FIELD_MESSAGES else ("form", render.ERROR_MESSAGES[400])


async def _run(state: State, entered: Entered, request: MatchRequest) -> MatchResult | None:
    """The match, or ``None`` with the field it refused named in ``entered.errors``."""
    try:
        matcher: services.Matcher = state.matcher
        return await matcher.match(request)
    except Invalid as invalid:
        name, message = _field_of(invalid, request.responses)
        entered.errors[name] = message
        return None


def _request(client: dict[str, Any], responses: list[Response], per_need: int | None = None) -> MatchRequest:
    # Through msgspec.convert, so the request is held to the same limits as the API's JSON body.
    body: dict[str, Any] = {"client": client, "responses": responses}
    if per_need is not None:
        body["per_need"] = per_need
    return msgspec.convert(body, MatchRequest)


def _needs_with_proposals(result: MatchResult | None) -> list[tuple[Need, list[Proposal]]]:
    """Each need with the services proposed for it, most pressing need first."""
    if result is None:
        return []
    by_need = {group.need: group.proposals for group in result.proposals}
    return [(need, by_need.get(need.code, [])) for need in result.needs]


def _instrument_list(codes: Sequence[str]) -> list[tuple[instruments.Instrument, list[instruments.Question]]]:
    return [(instrument, asked(instrument)) for instrument in map(instruments.instrument, codes)]


class MatchPages(Controller):
    include_in_schema = False

    def _screening(self, request: Request, entered: Entered, result: MatchResult | None = None) -> Template:
        context = {
            "form": entered,
            "screening": _instrument_list([SCREENING])[0],
            "answer_field": answer_field,
            "result": result,
            "needs_with_proposals": _needs_with_proposals(result),
            "public_alerts": PUBLIC_ALERTS,
            "public_alert": PUBLIC_ALERT,
            "postal_code": entered.value("postal_code"),
        }
        status_code = 400 if entered.errors else 200
        return render.render(request, "referrals/screening.html", context, status_code=status_code, here="/screening")

    @get("/screening")
    async def screening_form(self, request: Request) -> Template:
        return self._screening(request, Entered())

    @post("/screening")
    async def screening(self, request: Request, state: State) -> Template:
        entered = await _entered(request)
        if not csrf.valid(request, entered.value(csrf.FIELD)):
            return render.error_page(request, 403, render.ERROR_MESSAGES[403])
        client: dict[str, Any] = {
            "postal_code": _postal_code(entered),
            "age": _number(entered, "age", 0, MAX_AGE),
            # Services that offer help in the visitor's language rank higher (a Spanish page: Spanish).
            "preferred_language": render.language(request),
        }
        responses = _responses(entered, [SCREENING])
        if entered.errors:
            return self._screening(request, entered)
        result = await _run(state, entered, _request(client, responses, PUBLIC_PER_NEED))
        return self._screening(request, entered, result)

    def _match_page(
        self, request: Request, state: State, entered: Entered, result: MatchResult | None = None
    ) -> Template:
        language = render.language(request)
        screenings = _instrument_list(CASE_SCREENINGS)
        context = {
            "form": entered,
            "result": result,
            "needs_with_proposals": _needs_with_proposals(result),
            "screenings": screenings,
            # A screening with answers (or a problem in them) stays open, so that nothing entered is hidden.
            "opened": {
                instrument.code
                for instrument, questions in screenings
                for name in (answer_field(instrument, question) for question in questions)
                if entered.chosen(name) or name in entered.errors
            },
            "answer_field": answer_field,
            "sex_options": [(code, render.translate(request, label)) for code, label in SEX_LABELS.items()],
            "gender_options": [(code, render.translate(request, label)) for code, label in GENDER_LABELS.items()],
            "language_options": [(code, i18n.language_name(code, language)) for code in LANGUAGES],
            "insurance": [(t.code, t.name[language]) for t in services.insurance_terms(state.vocabularies)],
            "situations": [(t.code, t.name[language]) for t in services.situation_terms(state.vocabularies)],
        }
        status_code = 400 if entered.errors else 200
        return render.render(request, "referrals/match.html", context, status_code=status_code, here="/match")

    @get("/match")
    async def match_form(self, request: Request, state: State) -> Template:
        return self._match_page(request, state, Entered())

    @post("/match")
    async def match(self, request: Request, state: State) -> Template:
        entered = await _entered(request)
        if not csrf.valid(request, entered.value(csrf.FIELD)):
            return render.error_page(request, 403, render.ERROR_MESSAGES[403])
        language = _choice(entered, "preferred_language", LANGUAGES)
        client: dict[str, Any] = {
            "age": _number(entered, "age", 0, MAX_AGE),
            "sex": _choice(entered, "sex", get_args(Sex)),
            "gender_identity": _choice(entered, "gender_identity", get_args(GenderIdentity)),
            "preferred_language": language,
            "limited_english": entered.value("limited_english") == "yes",
            "postal_code": _postal_code(entered),
            "household_size": _number(entered, "household_size", 1, MAX_HOUSEHOLD),
            "monthly_income": _money(entered, "monthly_income"),
            "insurance": entered.chosen("insurance"),
            # The form lists every situation, so the ones not ticked are not the client's.
            "situations": entered.chosen("situations"),
        }
        responses = _responses(entered, CASE_SCREENINGS)
        if entered.errors:
            return self._match_page(request, state, entered)
        result = await _run(state, entered, _request(client, responses))
        return self._match_page(request, state, entered, result)


def router() -> Router:
    return Router(
        path="/",
        route_handlers=[MatchPages],
        exception_handlers={Exception: render.http_error, SearchUnavailable: search_unavailable},
        include_in_schema=False,
    )
