"""What migrations share: the search documents are derived from the catalog, so a revision that changes their shape
empties them, and ``waypost`` commands rebuild them (``directory.services.ensure_documents``)."""

from collections.abc import Sequence

from alembic import op


def empty_documents(tables: Sequence[str]) -> None:
    """Empty the documents' tables as they are at the calling revision, those that refer to search_document
    first."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"TRUNCATE {', '.join(tables)}")
    else:
        # Row by row, so that the full-text index's triggers take each document's words out with it.
        for table in tables:
            op.execute(f"DELETE FROM {table}")
