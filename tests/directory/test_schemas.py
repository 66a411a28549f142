"""Waypost's HSDS Structs say what the published HSDS 3.0 schema says: the same fields, requirements and choices."""

import json
import typing

import msgspec
import pytest

from directory import graph
from tests.conftest import shared_path

EXTENSIONS = {"tzid", "name_es", "description_es", "eligibility_description_es", "application_process_es"}


@pytest.mark.parametrize("kind", sorted(graph.ROW_STRUCTS))
def test_row_struct_matches_the_published_schema(kind: str) -> None:
    schema = json.loads(shared_path("hsds", "schema", f"{kind}.json").read_text())
    scalar = {
        name
        for name, spec in schema["properties"].items()
        if spec.get("type") != "array" and "$ref" not in spec and name != "metadata"
    }
    struct = graph.ROW_STRUCTS[kind]
    fields = {f.name: f for f in msgspec.structs.fields(struct)}
    assert set(fields) - EXTENSIONS == scalar
    assert {name for name, f in fields.items() if f.required} == set(schema.get("required", []))
    hints = typing.get_type_hints(struct)
    for name, spec in schema["properties"].items():
        if "enum" in spec:
            allowed = {a for arg in typing.get_args(hints[name]) for a in typing.get_args(arg)} | set(
                typing.get_args(hints[name])
            )
            assert set(spec["enum"]) <= allowed, name


def test_every_nested_object_of_the_published_schema_has_an_edge() -> None:
    schema = json.loads(shared_path("hsds", "schema", "compiled", "service_with_definitions.json").read_text())
    definitions = {**schema["definitions"], "service": schema}
    for kind, edges in graph.EDGES.items():
        nested = {
            name
            for name, spec in definitions[kind]["properties"].items()
            if (spec.get("type") == "array" or "$ref" in spec) and name != "metadata"
        }
        assert {edge.key for edge in edges} == nested, kind
