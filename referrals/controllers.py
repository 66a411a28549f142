"""The assessment instruments and the match over HTTP. Nothing is stored.

``Invalid`` from the matching rules becomes a 400 with the field it names, in the shape Litestar gives its own
validation errors (``extra: [{key, source, message}]``).
"""

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from litestar.types import ExceptionHandlersMap

from matching import errors, instruments, scoring
from matching.match import MatchResult
from referrals import services
from referrals.schemas import MatchRequest


class InstrumentSummary(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    version: str
    title: instruments.Text
    questions: int


class Answers(msgspec.Struct, frozen=True, kw_only=True):
    """``answers`` maps a question code to an option code, a number or a list of option codes."""

    answers: dict[str, Any]
    sex: str | None = None  # "male" or "female", for sex-specific cut-offs such as AUDIT-C's


def _invalid(request: Request[Any, Any, Any], invalid: errors.Invalid) -> Response[dict[str, Any]]:
    extra = [{"key": invalid.field, "source": "body", "message": invalid.message}]
    return Response({"status_code": 400, "detail": str(invalid), "extra": extra}, status_code=400)


INVALID_IS_400: ExceptionHandlersMap = {errors.Invalid: _invalid}


def _instrument(code: str) -> instruments.Instrument:
    try:
        return instruments.instrument(code)
    except errors.NotFound as error:
        raise NotFoundException(str(error)) from None


class InstrumentController(Controller):
    path = "/api/v1/instruments"
    tags = ("instruments",)
    exception_handlers = INVALID_IS_400

    @get("/", summary="The screening, assessment and outcome instruments")
    async def list_instruments(self) -> list[InstrumentSummary]:
        return [
            InstrumentSummary(code=i.code, version=i.version, title=i.title, questions=len(i.questions))
            for i in instruments.catalogue().values()
        ]

    @get("/{code:str}", summary="One instrument: questions with their published wording, codes and answer options")
    async def get_instrument(self, code: FromPath[str]) -> instruments.Instrument:
        return _instrument(code)

    @post("/{code:str}/score", status_code=200, summary="Score one set of answers (stores nothing)")
    async def score(self, code: FromPath[str], data: JSONBody[Answers]) -> scoring.ScoreResult:
        return scoring.score(_instrument(code), data.answers, sex=data.sex)


class MatchController(Controller):
    path = "/api/v1/match"
    tags = ("matching",)
    exception_handlers = INVALID_IS_400

    @post(
        "/",
        status_code=200,
        summary="Needs, safety alerts and proposed services for a client, with reasons (stores nothing)",
    )
    async def match(self, state: State, data: JSONBody[MatchRequest]) -> MatchResult:
        matcher: services.Matcher = state.matcher
        return await matcher.match(data)
