"""The HSDS 3.0 read API under ``/hsds``."""

import math
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy import func, select

from directory import exporter, graph, models

HSDS_VERSION = "3.0"
PROFILE_URL = "https://openreferral.org/specification/3.0/"


def _list_item(row: dict[str, Any], organizations: dict[UUID, dict[str, Any]]) -> dict[str, Any]:
    item = {name: row[name] for name in graph.ROW_FIELDS["service"] if row.get(name) is not None}
    if row.get("organization_id") in organizations:
        item["organization"] = organizations[row["organization_id"]]
    return item


class HSDSController(Controller):
    path = "/hsds"
    tags = ("HSDS 3.0",)

    @get("/", summary="HSDS API root")
    async def root(self, state: State) -> dict[str, str]:
        return {
            "version": HSDS_VERSION,
            "profile": PROFILE_URL,
            "openapi_url": f"{state.settings.base_url.rstrip('/')}/schema/openapi.json",
        }

    @get("/services", summary="Services, paginated (full=true nests every related object)")
    async def services(
        self,
        state: State,
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=1000)] = 50,
        full: FromQuery[bool] = False,
    ) -> Response[bytes]:
        table = models.service
        async with state.engine.connect() as connection:
            total = int((await connection.execute(select(func.count()).select_from(table))).scalar_one())
            ids = list(
                (
                    await connection.execute(
                        select(table.c.id).order_by(table.c.id).limit(per_page).offset((page - 1) * per_page)
                    )
                ).scalars()
            )
            if full:
                contents = await exporter.full_services(connection, ids)
            else:
                rows = [
                    dict(r._mapping)
                    for r in await connection.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.id))
                ]
                organization_ids = list({r["organization_id"] for r in rows if r["organization_id"]})
                organizations = {
                    o["id"]: o for o in await exporter.load_rows(connection, "organization", "id", organization_ids)
                }
                contents = [_list_item(row, organizations) for row in rows]
        total_pages = max(1, math.ceil(total / per_page))
        body = {
            "total_items": total,
            "total_pages": total_pages,
            "page_number": page,
            "size": len(contents),
            "first_page": page == 1,
            "last_page": page >= total_pages,
            "empty": not contents,
            "contents": contents,
        }
        return Response(exporter.ENCODER.encode(body), media_type="application/json")

    @get("/services/{service_id:uuid}", summary="One fully nested service")
    async def service(self, state: State, service_id: FromPath[UUID]) -> Response[bytes]:
        async with state.engine.connect() as connection:
            found = await exporter.full_services(connection, [service_id])
        if not found:
            raise NotFoundException(f"No service with id {service_id}")
        return Response(exporter.ENCODER.encode(found[0]), media_type="application/json")
