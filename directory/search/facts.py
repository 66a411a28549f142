"""What a match reads of each listing beyond the search document's columns: the service's names, its Waypost
attributes, required documents, areas and the site's address, kept as one JSON value per document
(``search_facts``).

A match describes the fifty or so services it keeps. Reading these from the catalog took eight statements and most
of a match's time in Python (each row's UUIDs and dates converted, then grouped by service); the document writer
already reads every one of them, so it stores them with the documents and a match reads them with the listings, in
the statement that measures their distance. They are rebuilt with the documents, whenever an import touches the
service, so they are never older than what search finds.
"""

from uuid import UUID

import msgspec


class Facts(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    name: str
    name_es: str | None = None
    organization: str | None = None
    interpretation: str | None = None  # what the service says about interpreters
    terms: list[tuple[UUID, str | None]] = []  # the service's attributes: taxonomy term id and value
    required_documents: list[str] = []
    service_areas: list[str] = []  # each area's name, or its text extent (a state, ZIP codes) when it has none
    address: str | None = None  # of the listing's site


encode = msgspec.json.Encoder().encode
decode = msgspec.json.Decoder(Facts).decode
