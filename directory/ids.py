"""Stable identifiers for records Waypost itself defines (its taxonomies and their terms).

HSDS ids are UUIDs. Terms of Waypost's own vocabularies get name-based (version 5) UUIDs so that the seed catalog,
the synthetic generator and every database agree on them without a lookup.
"""

import uuid

WAYPOST_NAMESPACE = uuid.UUID("5b0e8d3a-2f4c-4e7a-9d61-0c3f7a9e2b14")


def stable_id(*parts: str) -> uuid.UUID:
    """A UUID that depends only on ``parts``: the same parts give the same id everywhere."""
    return uuid.uuid5(WAYPOST_NAMESPACE, "/".join(parts))


def taxonomy_id(taxonomy_code: str) -> uuid.UUID:
    return stable_id("taxonomy", taxonomy_code)


def term_id(taxonomy_code: str, term_code: str) -> uuid.UUID:
    return stable_id("taxonomy", taxonomy_code, "term", term_code)
