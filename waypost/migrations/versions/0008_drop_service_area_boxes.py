"""Service areas lose their bounding-box columns: nothing reads them any more.

They were a prefilter for SQLite's polygon test, which now holds every polygon in memory in a shapely STRtree
(revision 0007); PostgreSQL tests polygons with PostGIS. A downgrade puts them back, computed from the GeoJSON.
The columns are dropped with plain ``ALTER TABLE ... DROP COLUMN`` (SQLite 3.35 and later): rebuilding the table, as
Alembic's batch mode does on SQLite, would drop the triggers of revision 0007.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 19:00:00.000000
"""

from collections.abc import Sequence

import shapely
import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOX = ("min_lat", "min_lon", "max_lat", "max_lon")


def upgrade() -> None:
    for name in BOX:
        op.execute(f"ALTER TABLE service_area DROP COLUMN {name}")


def downgrade() -> None:
    for name in BOX:
        op.execute(f"ALTER TABLE service_area ADD COLUMN {name} FLOAT")
    connection = op.get_bind()
    areas = connection.execute(sa.text("SELECT id, geojson FROM service_area WHERE geojson IS NOT NULL")).all()
    for area_id, geojson in areas:
        min_lon, min_lat, max_lon, max_lat = shapely.from_geojson(geojson).bounds
        connection.execute(
            sa.text(
                "UPDATE service_area SET min_lat = :min_lat, min_lon = :min_lon, max_lat = :max_lat, "
                "max_lon = :max_lon WHERE id = :id"
            ),
            {"min_lat": min_lat, "min_lon": min_lon, "max_lat": max_lat, "max_lon": max_lon, "id": area_id},
        )
