"""The HSDS 3.0 tabular format: one CSV file per object with a Frictionless ``datapackage.json``.

Import reads a package from a folder or a zip file; export writes one. CSV rows map one to one onto catalog rows,
so no nesting is involved: each row is checked against its object's row Struct.
"""

import csv
import io
import json
import typing
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from directory import graph, models
from directory.sources import SourceError

CSV_FILES = {
    "organization": "organizations.csv",
    "program": "programs.csv",
    "service": "services.csv",
    "location": "locations.csv",
    "service_at_location": "service_at_location.csv",
    "address": "addresses.csv",
    "phone": "phones.csv",
    "contact": "contacts.csv",
    "schedule": "schedules.csv",
    "accessibility": "accessibility.csv",
    "language": "languages.csv",
    "funding": "funding.csv",
    "organization_identifier": "organization_identifiers.csv",
    "service_area": "service_areas.csv",
    "required_document": "required_documents.csv",
    "cost_option": "cost_options.csv",
    "attribute": "attributes.csv",
    "taxonomy": "taxonomies.csv",
    "taxonomy_term": "taxonomy_terms.csv",
}


def read_package(source: Path) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Rows per object kind, in write order, each with a label such as ``services.csv row 4``."""
    files = _package_files(source)
    names = dict(CSV_FILES)
    if "datapackage.json" in files:
        try:
            descriptor = json.loads(files["datapackage.json"]())
            names |= {r["name"]: r["path"] for r in descriptor.get("resources", []) if r.get("name") in names}
        except (ValueError, KeyError, TypeError) as error:
            raise SourceError(f"{source}: datapackage.json cannot be read ({error})") from None
    tables: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for kind in graph.WRITE_ORDER:
        filename = names[kind]
        if filename not in files:
            continue
        reader = csv.DictReader(io.StringIO(files[filename]().decode("utf-8-sig")))
        tables[kind] = [(f"{filename} row {number}", row) for number, row in enumerate(reader, start=2)]
    if "service" not in tables and "organization" not in tables:
        raise SourceError(f"{source}: no services.csv or organizations.csv: not an HSDS tabular package")
    return tables


def _package_files(source: Path) -> dict[str, Any]:
    """File name -> a function returning its bytes, for a folder or a zip file (members may sit in a subfolder)."""
    if source.is_dir():
        return {p.name: p.read_bytes for p in source.iterdir() if p.is_file()}
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise SourceError(f"{source}: not a readable zip file ({error})") from None
    return {
        Path(name).name: (lambda name=name: archive.read(name)) for name in archive.namelist() if not name.endswith("/")
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


async def write_package(connection: AsyncConnection, folder: Path) -> int:
    """Every catalog table as CSV plus the descriptor; returns the number of services written."""
    services = 0
    resources = []
    for kind in graph.WRITE_ORDER:
        table, fields = models.TABLES[kind], graph.ROW_FIELDS[kind]
        with (folder / CSV_FILES[kind]).open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(fields)
            result = await connection.stream(select(*(table.c[f] for f in fields)).order_by(table.c.id))
            async for row in result:
                writer.writerow([_cell(v) for v in row])
                services += kind == "service"
        resources.append(_resource(kind))
    descriptor = {
        "name": "hsds-catalog",
        "title": "HSDS 3.0 catalog exported by Waypost",
        "profile": "tabular-data-package",
        "version": "3.0",
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    return services


def _resource(kind: str) -> dict[str, Any]:
    struct = graph.ROW_STRUCTS[kind]
    hints = typing.get_type_hints(struct)
    fields = []
    for field in msgspec.structs.fields(struct):
        base = [a for a in typing.get_args(hints[field.name]) if a is not type(None)] or [hints[field.name]]
        entry: dict[str, Any] = {
            "name": field.name,
            "type": "number" if base[0] in (float, Decimal) else "string",
        }
        if base[0] is UUID:
            entry["format"] = "uuid"
        if field.required:
            entry["constraints"] = {"required": True}
        fields.append(entry)
    foreign_keys = [
        {"fields": fk.parent.name, "reference": {"resource": fk.column.table.name, "fields": "id"}}
        for fk in models.TABLES[kind].foreign_keys
    ]
    return {
        "name": kind,
        "path": CSV_FILES[kind],
        "profile": "tabular-data-resource",
        "schema": {"fields": fields, "primaryKey": "id", "foreignKeys": foreign_keys},
    }
