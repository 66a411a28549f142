"""How HSDS objects nest inside each other, and how that nesting maps to tables and foreign keys.

Import flattens a full service into table rows along these edges; export and the HSDS API walk them the other way.
A ``many`` edge is owned by its parent (the nested list is the complete set of the parent's children); a one-to-one
edge points at a shared record (an organization, a location, a taxonomy term) that many parents may use.
"""

from dataclasses import dataclass

import msgspec

from directory import schemas


@dataclass(frozen=True)
class Edge:
    key: str  # the JSON property on the parent
    kind: str  # the nested object's kind (= its table)
    column: str  # many: the child's column holding the parent id; one: the parent's column holding the child id
    many: bool = True
    exported: bool = True  # False where the same records are already reachable by another edge


def _attributes() -> Edge:
    return Edge("attributes", "attribute", "link_id")


EDGES: dict[str, tuple[Edge, ...]] = {
    "service": (
        Edge("organization", "organization", "organization_id", many=False),
        Edge("program", "program", "program_id", many=False),
        Edge("phones", "phone", "service_id"),
        Edge("schedules", "schedule", "service_id"),
        Edge("service_areas", "service_area", "service_id"),
        Edge("service_at_locations", "service_at_location", "service_id"),
        Edge("languages", "language", "service_id"),
        Edge("funding", "funding", "service_id"),
        Edge("cost_options", "cost_option", "service_id"),
        Edge("required_documents", "required_document", "service_id"),
        Edge("contacts", "contact", "service_id"),
        _attributes(),
    ),
    "service_at_location": (
        Edge("location", "location", "location_id", many=False),
        Edge("contacts", "contact", "service_at_location_id"),
        Edge("phones", "phone", "service_at_location_id"),
        Edge("schedules", "schedule", "service_at_location_id"),
        _attributes(),
    ),
    "location": (
        Edge("languages", "language", "location_id"),
        Edge("addresses", "address", "location_id"),
        Edge("contacts", "contact", "location_id"),
        Edge("accessibility", "accessibility", "location_id"),
        Edge("phones", "phone", "location_id"),
        Edge("schedules", "schedule", "location_id"),
        _attributes(),
    ),
    "organization": (
        Edge("funding", "funding", "organization_id"),
        Edge("contacts", "contact", "organization_id"),
        Edge("phones", "phone", "organization_id"),
        # A service's locations arrive through its service_at_locations; nesting them again under the organization
        # of every service would repeat each one many times over.
        Edge("locations", "location", "organization_id", exported=False),
        Edge("programs", "program", "organization_id"),
        Edge("organization_identifiers", "organization_identifier", "organization_id"),
        _attributes(),
    ),
    "phone": (Edge("languages", "language", "phone_id"), _attributes()),
    "contact": (Edge("phones", "phone", "contact_id"), _attributes()),
    "attribute": (Edge("taxonomy_term", "taxonomy_term", "taxonomy_term_id", many=False),),
    "taxonomy_term": (Edge("taxonomy_detail", "taxonomy", "taxonomy_id", many=False),),
    "taxonomy": (),
    "program": (_attributes(),),
    "language": (_attributes(),),
    "schedule": (_attributes(),),
    "address": (_attributes(),),
    "accessibility": (_attributes(),),
    "funding": (_attributes(),),
    "organization_identifier": (_attributes(),),
    "service_area": (_attributes(),),
    "required_document": (_attributes(),),
    "cost_option": (_attributes(),),
}

ROW_STRUCTS: dict[str, type[schemas.HSDSObject]] = {
    "service": schemas.ServiceRow,
    "service_at_location": schemas.ServiceAtLocationRow,
    "location": schemas.LocationRow,
    "organization": schemas.OrganizationRow,
    "program": schemas.ProgramRow,
    "phone": schemas.PhoneRow,
    "contact": schemas.ContactRow,
    "schedule": schemas.ScheduleRow,
    "address": schemas.AddressRow,
    "accessibility": schemas.AccessibilityRow,
    "language": schemas.LanguageRow,
    "funding": schemas.FundingRow,
    "organization_identifier": schemas.OrganizationIdentifierRow,
    "service_area": schemas.ServiceAreaRow,
    "required_document": schemas.RequiredDocumentRow,
    "cost_option": schemas.CostOptionRow,
    "attribute": schemas.AttributeRow,
    "taxonomy_term": schemas.TaxonomyTermRow,
    "taxonomy": schemas.TaxonomyRow,
}

ROW_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(f.name for f in msgspec.structs.fields(struct)) for kind, struct in ROW_STRUCTS.items()
}

# Columns that name a related record, and the kind they point at. attribute.link_id is polymorphic (see
# attribute.link_entity) and parent ids point within their own table, so neither is a foreign key.
REFERENCE_TARGETS = {
    "service_id": "service",
    "location_id": "location",
    "organization_id": "organization",
    "contact_id": "contact",
    "service_at_location_id": "service_at_location",
    "phone_id": "phone",
    "program_id": "program",
    "taxonomy_term_id": "taxonomy_term",
    "taxonomy_id": "taxonomy",
}

# One-to-one references point at shared records: deleting the referring row must not delete them, and they may not
# be deleted while referred to.
SHARED_REFERENCES = {(parent, edge.column) for parent, edges in EDGES.items() for edge in edges if not edge.many}

# Parents before children, so that rows can be inserted table by table without breaking a foreign key.
WRITE_ORDER = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "program",
    "location",
    "service",
    "service_at_location",
    "contact",
    "phone",
    "schedule",
    "address",
    "accessibility",
    "language",
    "funding",
    "organization_identifier",
    "service_area",
    "required_document",
    "cost_option",
    "attribute",
)
