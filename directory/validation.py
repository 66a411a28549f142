"""Checking incoming HSDS records, and saying exactly what is wrong with each one.

msgspec decodes a valid record in microseconds but stops at its first problem, so a record it rejects is checked
again with JSON Schema (generated from the same Structs) to list every problem in it. Checks that JSON Schema cannot
express (timezones, opening times, service-area geometry) follow.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import shapely.geometry
from jsonschema import Draft202012Validator, ValidationError

from directory import schemas

TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
STATE_CODE = re.compile(r"^[A-Z]{2}$")
POSTAL_CODE_LIST = re.compile(r"^\d{5}(\s*,\s*\d{5})*$")

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record: where it is (``record``), which record (``id``), which field, and what."""

    record: str
    id: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.record} (id {self.id})" if self.id else self.record
        return f"{where}: {self.field or '(record)'}: {self.message}"


class Invalid(Exception):
    def __init__(self, problems: list[tuple[str, str]], record_id: str | None = None) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems
        self.record_id = record_id


@cache
def _json_schema_validator(struct: type) -> Draft202012Validator:
    schema = _accept_numbers_for_decimals(msgspec.json.schema(struct))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _accept_numbers_for_decimals(schema: Any) -> Any:
    """msgspec describes Decimal as a string but decodes JSON numbers into it too, as HSDS amounts are."""
    if isinstance(schema, dict):
        if schema.get("format") == "decimal":
            return {"type": ["number", "string"]}
        return {key: _accept_numbers_for_decimals(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_accept_numbers_for_decimals(item) for item in schema]
    return schema


def _most_specific(error: ValidationError) -> ValidationError:
    """For "one of these types" errors, the reason given by the alternative that is not null."""
    alternatives = [e for e in error.context or [] if not (e.validator == "type" and e.validator_value == "null")]
    return _most_specific(alternatives[0]) if len(alternatives) == 1 else error


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_problems(struct: type, record: Any) -> list[tuple[str, str]]:
    problems = []
    for found in _json_schema_validator(struct).iter_errors(record):
        error = _most_specific(found)
        field = _path(error.absolute_path)
        if error.validator == "required":
            missing = re.search(r"'(.+?)' is a required property", error.message)
            field = _path([*error.absolute_path, missing.group(1)]) if missing else field
            problems.append((field, "is required"))
        else:
            problems.append((field, error.message))
    return problems


TYPE_WORDS = {
    "float": "a number",
    "int": "a whole number",
    "str": "text",
    "uuid": "a UUID",
    "bool": "true or false",
}


def _type_words(types: str) -> str:
    words = [TYPE_WORDS.get(name.strip(), name.strip()) for name in types.split("|") if name.strip() != "null"]
    return " or ".join(words)


def _msgspec_problem(error: msgspec.ValidationError) -> tuple[str, str]:
    message, _, where = str(error).partition(" - at `")
    field = where.rstrip("`").removeprefix("$").lstrip(".")
    missing = re.match(r"Object missing required field `(.+)`", message)
    if missing:
        return (f"{field}.{missing.group(1)}" if field else missing.group(1), "is required")
    wrong_type = re.match(r"Expected `(.+?)`, got `(.+?)`", message)
    if wrong_type:
        return field, f"expected {_type_words(wrong_type.group(1))}, got {_type_words(wrong_type.group(2))}"
    return field, message


def convert(struct: type[T], record: Any, *, strict: bool = True) -> T:
    """The record (JSON bytes, or already decoded) as ``struct``, or ``Invalid`` listing every problem in it."""
    try:
        if isinstance(record, bytes):
            value = msgspec.json.decode(record, type=struct)
        else:
            value = msgspec.convert(record, struct, strict=strict)
    except msgspec.ValidationError as error:
        data = json.loads(record) if isinstance(record, bytes) else record
        problems = (_schema_problems(struct, data) if strict else []) or [_msgspec_problem(error)]
        raise Invalid(problems, _record_id(data)) from None
    except msgspec.DecodeError as error:
        raise Invalid([("", f"not valid JSON ({error})")]) from None
    problems = list(_semantic_problems(value))
    if problems:
        raise Invalid(problems, str(value.id) if isinstance(value, schemas.HSDSObject) else None)
    return value


def _record_id(data: Any) -> str | None:
    return str(data["id"]) if isinstance(data, dict) and data.get("id") else None


def _semantic_problems(value: Any) -> Iterator[tuple[str, str]]:
    """What the schema cannot say, checked where it can occur: schedules and service areas."""
    if isinstance(value, schemas.Service):
        yield from _service_problems(value)
    elif isinstance(value, schemas.ScheduleRow):
        yield from _schedule_problems(value, "")
    elif isinstance(value, schemas.ServiceAreaRow):
        yield from _service_area_problems(value, "")


def _service_problems(service: schemas.Service) -> Iterator[tuple[str, str]]:
    organization = service.organization
    if isinstance(organization, schemas.Organization) and service.organization_id not in (
        None,
        organization.id,
    ):
        yield ("organization_id", "does not match organization.id")
    for index, area in enumerate(_items(service.service_areas)):
        yield from _service_area_problems(area, f"service_areas[{index}]")
    schedules = [(f"schedules[{i}]", s) for i, s in enumerate(_items(service.schedules))]
    for index, at_location in enumerate(_items(service.service_at_locations)):
        place = f"service_at_locations[{index}]"
        schedules += [(f"{place}.schedules[{i}]", s) for i, s in enumerate(_items(at_location.schedules))]
        if isinstance(at_location.location, schemas.Location):
            schedules += [
                (f"{place}.location.schedules[{i}]", s) for i, s in enumerate(_items(at_location.location.schedules))
            ]
    for path, schedule in schedules:
        yield from _schedule_problems(schedule, path)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _schedule_problems(schedule: schemas.ScheduleRow, path: str) -> Iterator[tuple[str, str]]:
    for name in ("opens_at", "closes_at"):
        text = getattr(schedule, name)
        if text is not None and not TIME_OF_DAY.match(text):
            yield (_join(path, name), f"expected a time of day as HH:MM or HH:MM:SS, got {text!r}")
    if schedule.tzid is not None:
        try:
            ZoneInfo(schedule.tzid)
        except (ZoneInfoNotFoundError, ValueError):
            yield (_join(path, "tzid"), f"unknown IANA timezone {schedule.tzid!r}")


def _service_area_problems(area: schemas.ServiceAreaRow, path: str) -> Iterator[tuple[str, str]]:
    if area.extent_type == "geojson" and area.extent is not None:
        try:
            area_geometry(area.extent)
        except ValueError as error:
            yield (_join(path, "extent"), str(error))


def area_geometry(extent: str) -> shapely.geometry.MultiPolygon:
    """A GeoJSON extent as a valid MultiPolygon in WGS84, or ValueError saying why it is not one."""
    try:
        data = json.loads(extent)
        geometry = shapely.geometry.shape(data.get("geometry", data) if isinstance(data, dict) else data)
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        raise ValueError(f"not a GeoJSON geometry ({error})") from None
    if geometry.geom_type == "Polygon":
        geometry = shapely.geometry.MultiPolygon([geometry])
    if geometry.geom_type != "MultiPolygon":
        raise ValueError(f"expected a GeoJSON Polygon or MultiPolygon, got {geometry.geom_type}")
    if geometry.is_empty or not geometry.is_valid:
        raise ValueError("the polygon is empty or not valid (its edges cross, or a ring is not closed)")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise ValueError("coordinates must be longitude, latitude in degrees (WGS84)")
    return geometry


def named_area(extent: str) -> tuple[str | None, list[str]]:
    """A text extent Waypost understands: a two-letter US state code, or a comma-separated list of ZIP codes."""
    text = extent.strip()
    if STATE_CODE.match(text):
        return text, []
    if POSTAL_CODE_LIST.match(text):
        return None, [code.strip() for code in text.split(",")]
    return None, []
