"""HSDS 3.0 objects as msgspec Structs: what the catalog accepts on import and gives out on export and in the API.

Each object comes in two layers. The ``...Row`` Struct holds the object's own fields (one row of its table, one line
of its CSV file); the full Struct adds the related objects that HSDS JSON nests inside it. Field names, types,
required fields and enumerations follow ``schema/compiled/service_with_definitions.json`` of HSDS 3.0; the test
suite checks them against the published schema. HSDS declares most dates as plain strings, so they stay strings.

Nested objects default to ``UNSET``: a list that is absent leaves the stored children as they are, while a list
that is present (even empty) is the complete set.

Waypost adds a few extension properties (allowed by HSDS): ``tzid`` on schedules and Spanish text on services.
"""

from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

Text = str | None
Number = float | None
Ref = UUID | None

ServiceStatus = Literal["active", "inactive", "defunct", "temporarily closed"]
LocationType = Literal["physical", "postal", "virtual"]
Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
Frequency = Literal["WEEKLY", "MONTHLY"]

Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class HSDSObject(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Base of every HSDS object: an id, and unknown properties are ignored (HSDS allows extensions)."""

    id: UUID


class TaxonomyRow(HSDSObject, kw_only=True):
    name: str
    description: str
    uri: Text = None
    version: Text = None


class Taxonomy(TaxonomyRow, kw_only=True):
    pass


class TaxonomyTermRow(HSDSObject, kw_only=True):
    code: Text = None
    name: str
    description: str
    parent_id: Ref = None
    taxonomy: Text = None
    language: Text = None
    taxonomy_id: Ref = None
    term_uri: Text = None


class TaxonomyTerm(TaxonomyTermRow, kw_only=True):
    taxonomy_detail: Taxonomy | UnsetType = UNSET


class AttributeRow(HSDSObject, kw_only=True):
    link_id: Ref = None
    taxonomy_term_id: Ref = None
    link_type: Text = None
    link_entity: Text = None
    value: Text = None


class Attribute(AttributeRow, kw_only=True):
    taxonomy_term: TaxonomyTerm | UnsetType = UNSET


class LanguageRow(HSDSObject, kw_only=True):
    service_id: Ref = None
    location_id: Ref = None
    phone_id: Ref = None
    name: Text = None
    code: Text = None
    note: Text = None


class Language(LanguageRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class PhoneRow(HSDSObject, kw_only=True):
    location_id: Ref = None
    service_id: Ref = None
    organization_id: Ref = None
    contact_id: Ref = None
    service_at_location_id: Ref = None
    number: str
    extension: Number = None
    type: Text = None
    description: Text = None


class Phone(PhoneRow, kw_only=True):
    languages: list[Language] | UnsetType = UNSET
    attributes: list[Attribute] | UnsetType = UNSET


class ContactRow(HSDSObject, kw_only=True):
    organization_id: Ref = None
    service_id: Ref = None
    service_at_location_id: Ref = None
    location_id: Ref = None
    name: Text = None
    title: Text = None
    department: Text = None
    email: Text = None


class Contact(ContactRow, kw_only=True):
    phones: list[Phone] | UnsetType = UNSET
    attributes: list[Attribute] | UnsetType = UNSET


class ScheduleRow(HSDSObject, kw_only=True):
    service_id: Ref = None
    location_id: Ref = None
    service_at_location_id: Ref = None
    valid_from: Text = None
    valid_to: Text = None
    dtstart: Text = None
    timezone: Number = None
    until: Text = None
    count: Number = None
    wkst: Weekday | None = None
    freq: Frequency | None = None
    interval: Number = None
    byday: Text = None
    byweekno: Text = None
    bymonthday: Text = None
    byyearday: Text = None
    description: Text = None
    opens_at: Text = None
    closes_at: Text = None
    schedule_link: Text = None
    attending_type: Text = None
    notes: Text = None
    # Extension: the IANA timezone of opens_at/closes_at. HSDS's numeric UTC offset cannot follow daylight saving.
    tzid: Text = None


class Schedule(ScheduleRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class AddressRow(HSDSObject, kw_only=True):
    location_id: Ref = None
    attention: Text = None
    address_1: str
    address_2: Text = None
    city: str
    region: Text = None
    state_province: str
    postal_code: str
    country: str
    address_type: LocationType


class Address(AddressRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class AccessibilityRow(HSDSObject, kw_only=True):
    location_id: Ref = None
    description: Text = None
    details: Text = None
    url: Text = None


class Accessibility(AccessibilityRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class LocationRow(HSDSObject, kw_only=True):
    location_type: LocationType
    url: Text = None
    organization_id: Ref = None
    name: Text = None
    alternate_name: Text = None
    description: Text = None
    transportation: Text = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    external_identifier: Text = None
    external_identifier_type: Text = None


class Location(LocationRow, kw_only=True):
    languages: list[Language] | UnsetType = UNSET
    addresses: list[Address] | UnsetType = UNSET
    contacts: list[Contact] | UnsetType = UNSET
    accessibility: list[Accessibility] | UnsetType = UNSET
    phones: list[Phone] | UnsetType = UNSET
    schedules: list[Schedule] | UnsetType = UNSET
    attributes: list[Attribute] | UnsetType = UNSET


class FundingRow(HSDSObject, kw_only=True):
    organization_id: Ref = None
    service_id: Ref = None
    source: Text = None


class Funding(FundingRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class ProgramRow(HSDSObject, kw_only=True):
    organization_id: Ref = None
    name: str
    alternate_name: Text = None
    description: str


class Program(ProgramRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class OrganizationIdentifierRow(HSDSObject, kw_only=True):
    organization_id: Ref = None
    identifier_scheme: Text = None
    identifier_type: str
    identifier: str


class OrganizationIdentifier(OrganizationIdentifierRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class OrganizationRow(HSDSObject, kw_only=True):
    name: str
    alternate_name: Text = None
    description: str
    email: Text = None
    website: Text = None
    tax_status: Text = None
    tax_id: Text = None
    year_incorporated: Number = None
    legal_status: Text = None
    logo: Text = None
    uri: Text = None
    parent_organization_id: Ref = None


class Organization(OrganizationRow, kw_only=True):
    funding: list[Funding] | UnsetType = UNSET
    contacts: list[Contact] | UnsetType = UNSET
    phones: list[Phone] | UnsetType = UNSET
    locations: list[Location] | UnsetType = UNSET
    programs: list[Program] | UnsetType = UNSET
    organization_identifiers: list[OrganizationIdentifier] | UnsetType = UNSET
    attributes: list[Attribute] | UnsetType = UNSET


class ServiceAreaRow(HSDSObject, kw_only=True):
    service_id: Ref = None
    name: Text = None
    description: Text = None
    extent: Text = None
    extent_type: Text = None
    uri: Text = None


class ServiceArea(ServiceAreaRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class RequiredDocumentRow(HSDSObject, kw_only=True):
    service_id: Ref = None
    document: Text = None
    uri: Text = None


class RequiredDocument(RequiredDocumentRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class CostOptionRow(HSDSObject, kw_only=True):
    service_id: Ref = None
    valid_from: Text = None
    valid_to: Text = None
    option: Text = None
    currency: Text = None
    amount: Decimal | None = None
    amount_description: Text = None


class CostOption(CostOptionRow, kw_only=True):
    attributes: list[Attribute] | UnsetType = UNSET


class ServiceAtLocationRow(HSDSObject, kw_only=True):
    service_id: Ref = None
    location_id: Ref = None
    description: Text = None


class ServiceAtLocation(ServiceAtLocationRow, kw_only=True):
    contacts: list[Contact] | UnsetType = UNSET
    phones: list[Phone] | UnsetType = UNSET
    schedules: list[Schedule] | UnsetType = UNSET
    location: Location | UnsetType = UNSET
    attributes: list[Attribute] | UnsetType = UNSET


class ServiceRow(HSDSObject, kw_only=True):
    organization_id: Ref = None
    program_id: Ref = None
    name: str
    alternate_name: Text = None
    description: Text = None
    url: Text = None
    email: Text = None
    status: ServiceStatus
    interpretation_services: Text = None
    application_process: Text = None
    fees_description: Text = None
    wait_time: Text = None
    fees: Text = None
    accreditations: Text = None
    eligibility_description: Text = None
    minimum_age: Number = None
    maximum_age: Number = None
    assured_date: Text = None
    assurer_email: Text = None
    licenses: Text = None
    alert: Text = None
    last_modified: Text = None
    # Extension: Spanish text for bilingual listings (English stays in the HSDS fields).
    name_es: Text = None
    description_es: Text = None
    eligibility_description_es: Text = None
    application_process_es: Text = None


class Service(ServiceRow, kw_only=True):
    phones: list[Phone] | UnsetType = UNSET
    schedules: list[Schedule] | UnsetType = UNSET
    service_areas: list[ServiceArea] | UnsetType = UNSET
    service_at_locations: list[ServiceAtLocation] | UnsetType = UNSET
    languages: list[Language] | UnsetType = UNSET
    organization: Organization | UnsetType = UNSET
    funding: list[Funding] | UnsetType = UNSET
    cost_options: list[CostOption] | UnsetType = UNSET
    program: Program | UnsetType = UNSET
    required_documents: list[RequiredDocument] | UnsetType = UNSET
    contacts: list[Contact] | UnsetType = UNSET
    attributes: list[Attribute] | UnsetType = UNSET


class MetadataRow(HSDSObject, kw_only=True):
    """One recorded change to a catalog record (HSDS ``metadata``); Waypost writes these on every import."""

    resource_id: Ref = None
    resource_type: Text = None
    last_action_date: str
    last_action_type: str
    field_name: str
    previous_value: str
    replacement_value: str
    updated_by: str


class Page(msgspec.Struct, kw_only=True):
    """The HSDS API's paginated list shape."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[Any]
