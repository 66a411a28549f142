"""SQLite: a count of the changes to service areas, so that a search process can keep the polygons in memory.

On SQLite, search tests service-area polygons with shapely. Reading the GeoJSON of every polygon whose box holds the
searcher's point (about a thousand in a metro at 100k services) took 15-20 ms of each search and match. Triggers now
count every insert, update and delete of a ``service_area`` row in ``service_area_version`` (one row), which a search
reads to know whether the polygons it holds are still the catalog's (``directory.search.database.Polygons``).
PostgreSQL tests polygons with PostGIS's ``ST_Covers`` and needs none of this. A later revision that rebuilds
``service_area`` on SQLite (``batch_alter_table``) must create these triggers again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 18:05:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANGES = ("insert", "update", "delete")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE service_area_version (version INTEGER NOT NULL)")
    op.execute("INSERT INTO service_area_version (version) VALUES (0)")
    for change in CHANGES:
        op.execute(
            f"CREATE TRIGGER service_area_{change}_counted AFTER {change.upper()} ON service_area "
            "BEGIN UPDATE service_area_version SET version = version + 1; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for change in CHANGES:
        op.execute(f"DROP TRIGGER service_area_{change}_counted")
    op.execute("DROP TABLE service_area_version")
