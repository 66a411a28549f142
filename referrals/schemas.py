"""What the referral endpoints take in, as msgspec Structs (the answers go out as ``matching``'s own Structs)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from matching.client import GenderIdentity, Sex
from matching.match import PER_NEED
from matching.needs import RequestedNeed, Response


class Location(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]


class ClientFacts(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The client of ``POST /api/v1/match``: every field may be left out when it is not known."""

    age: Annotated[int, msgspec.Meta(ge=0, le=130)] | None = None
    sex: Sex | None = None
    gender_identity: GenderIdentity | None = None
    preferred_language: str | None = None  # ISO 639-1 or 639-3: "es", "spa"
    limited_english: bool = False
    postal_code: str | None = None  # a US ZIP code; or location
    location: Location | None = None
    household_size: Annotated[int, msgspec.Meta(ge=1, le=30)] | None = None
    monthly_income: Decimal | None = None  # dollars a month before taxes, the whole household
    insurance: list[str] = []  # medicaid, medicare, private, va, uninsured
    # veteran, pregnant, homeless, disability, ... (waypost-eligibility situations). A list, even an empty one, says
    # these are all the client's situations; leave it out when they were not asked about.
    situations: list[str] | None = None


class MatchRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    client: ClientFacts
    responses: list[Response] = []
    # Needs the case manager names, as codes or {code, severity, urgency}: they add to and override the rules'.
    needs: list[str | RequestedNeed] = []
    # When the match is for (open now, the poverty guideline year); now when left out, the default timezone if naive.
    at: datetime | None = None
    per_need: Annotated[int, msgspec.Meta(ge=1, le=20)] = PER_NEED
