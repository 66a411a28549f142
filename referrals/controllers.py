"""The assessment instruments over HTTP: list them, read one, score a set of answers. Nothing is stored."""

from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, JSONBody

from matching import errors, instruments, scoring


class InstrumentSummary(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    version: str
    title: instruments.Text
    questions: int


class Answers(msgspec.Struct, frozen=True, kw_only=True):
    """``answers`` maps a question code to an option code, a number or a list of option codes."""

    answers: dict[str, Any]
    sex: str | None = None  # "male" or "female", for sex-specific cut-offs such as AUDIT-C's


def _instrument(code: str) -> instruments.Instrument:
    try:
        return instruments.instrument(code)
    except errors.NotFound as error:
        raise NotFoundException(str(error)) from None


class InstrumentController(Controller):
    path = "/api/v1/instruments"
    tags = ("instruments",)

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
        instrument = _instrument(code)
        try:
            return scoring.score(instrument, data.answers, sex=data.sex)
        except errors.Invalid as invalid:
            raise ValidationException(
                str(invalid), extra=[{"key": invalid.field, "source": "body", "message": invalid.message}]
            ) from None
