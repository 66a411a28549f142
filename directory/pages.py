"""The public directory website: home, search results, service pages, reporting a problem, and the saved list.

HTTP in and out only: search goes through the configured ``SearchEngine`` (its parameters checked by the same
``search_query`` as GET /api/v1/search), descriptions come from ``listings``, reports go to ``feedback``. Every page
is rendered by the web shell (``waypost.web.render``) in the visitor's language, and works without JavaScript. Bad
input gets the page back with a message next to the field and a 4xx status, never a 500.
"""

import base64
import binascii
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
import segno
from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from directory import feedback, geo, listings
from directory.search.controllers import search_query
from directory.search.query import Hit, SearchQuery, SearchResult, SearchUnavailable
from directory.search.results import top_categories
from directory.vocabularies import Vocabularies
from waypost.web import csrf, render
from waypost.web.i18n import N_

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
PER_PAGE = 10
MAX_PAGE = 1000
MAX_AGE = 120
REPORTS_PER_HOUR = 5
ZIP = re.compile(r"\d{5}(-\d{4})?")
AREAS = ("mine", "any")  # services that serve where you are, or every service whatever its area

# Messages for a search form field, by the parameter search_query names when it refuses one.
SEARCH_MESSAGES = {
    "near": N_("Enter a 5-digit ZIP code, like 97214, or leave it empty."),
    "location": N_("We could not read your location. Type your ZIP code instead."),
    "category": N_("Choose a topic from the list."),
    "language": N_("Choose a language from the list."),
    "age": N_("Enter an age in years, like 34, or leave it empty."),
    "area": N_("Choose where to look."),
    "page": N_("That page of results does not exist. Go back to the first page."),
}
FIELD_OF_PARAMETER = {"postal_code": "near", "lat": "location", "lon": "location", "taxonomy": "category"}
REPORT_MESSAGES = {
    ("problem", "missing"): N_("Choose what is wrong."),
    ("details", "missing"): N_("Tell us what is wrong."),
    ("details", "too_long"): N_("Please keep it under 2,000 characters."),
    ("contact", "too_long"): N_("Please keep it under 200 characters."),
}
TOO_MANY_REPORTS = N_("You have sent many reports in the last hour. Thank you! Please try again later.")
BAD_SERVICE_ID = N_("That is not a service in the directory.")


class ReportForm(msgspec.Struct, kw_only=True):
    problem: str = ""
    details: str = ""
    contact: str = ""
    csrf_token: str = ""


class SaveForm(msgspec.Struct, kw_only=True):
    service_id: str = ""
    next: str = "/list"
    csrf_token: str = ""


@dataclass
class SearchForm:
    """The search form as the visitor filled it in (text, so that it can be shown back as typed)."""

    q: str = ""
    near: str = ""
    lat: str = ""
    lon: str = ""
    category: str = ""
    language: str = ""
    age: str = ""
    open_now: bool = False
    free: bool = False
    area: str = "mine"
    page: str = "1"
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def located(self) -> bool:
        return bool(self.near.strip() or self.lat)

    @property
    def filtered(self) -> bool:
        return bool(self.category or self.language or self.age or self.open_now or self.free or self.area != "mine")


def _flag(value: str) -> bool:
    """A checkbox: the forms send ``1``; ``true`` and ``on`` are read the same, anything else as unchecked."""
    return value.strip().lower() in ("1", "true", "on")


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def _number(value: str, low: float, high: float, kind: type[int] | type[float]) -> int | float | None:
    """``value`` as a number within [low, high], or ``None`` (empty, not a number, out of range)."""
    try:
        number = kind(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def list_token(ids: Sequence[UUID]) -> str:
    """A saved list as a short token for a link: the ids' 16 bytes each, in URL-safe base64."""
    return base64.urlsafe_b64encode(b"".join(i.bytes for i in ids)).rstrip(b"=").decode()


def list_ids(token: str) -> list[UUID] | None:
    """The ids a ``list_token`` holds, or ``None`` when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if not raw or len(raw) % 16 or len(raw) > 16 * render.MAX_SAVED:
        return None
    return list(dict.fromkeys(UUID(bytes=raw[start : start + 16]) for start in range(0, len(raw), 16)))


def _local(path: str) -> str:
    """Where to go back after a form: only a path on this site (never ``//other.host``)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/list"


def _checked_query(state: State, form: SearchForm) -> SearchQuery:
    """The search the form asks for; ``form.errors`` says what could not be read (then the query is not run)."""
    errors = form.errors
    near = form.near.strip()
    if near and not ZIP.fullmatch(near):
        errors["near"] = SEARCH_MESSAGES["near"]
    latitude = longitude = None
    if not near and (form.lat or form.lon):
        latitude, longitude = _number(form.lat, -90, 90, float), _number(form.lon, -180, 180, float)
        if latitude is None or longitude is None:
            errors["location"] = SEARCH_MESSAGES["location"]
    age = _number(form.age, 0, MAX_AGE, int) if form.age.strip() else None
    if form.age.strip() and age is None:
        errors["age"] = SEARCH_MESSAGES["age"]
    if form.area not in AREAS:
        errors["area"] = SEARCH_MESSAGES["area"]
    page = _number(form.page, 1, MAX_PAGE, int)
    if page is None:
        errors["form"] = SEARCH_MESSAGES["page"]
    anywhere = form.area == "any"
    try:
        query = search_query(
            state.settings,
            state.vocabularies,
            q=form.q,
            postal_code=near or None,
            lat=latitude,
            lon=longitude,
            taxonomy=[form.category] if form.category else None,
            language=form.language or None,
            age=int(age) if age is not None else None,
            open_now=form.open_now,
            free=form.free,
            page=int(page or 1),
            per_page=PER_PAGE,
        )
    except ValidationException as error:
        parameter = (error.extra or [{}])[0].get("key", "") if isinstance(error.extra, list) else ""
        name = FIELD_OF_PARAMETER.get(parameter, parameter)
        errors[name] = SEARCH_MESSAGES.get(name, SEARCH_MESSAGES["category"])
        return SearchQuery()
    if anywhere:
        # Every service, whatever area it names: the place only measures distances (see _with_distances).
        return msgspec.structs.replace(query, latitude=None, longitude=None, postal_code=None, state=None)
    return query


def _with_distances(
    cards: list[listings.Card], hits: Sequence[Hit], query: SearchQuery, form: SearchForm
) -> list[listings.Card]:
    """Distances from the visitor's place when the search itself did not use it ("anywhere")."""
    if query.latitude is not None or not form.located:
        return cards
    place = geo.postal_code(form.near) if form.near.strip() else None
    origin = (place.latitude, place.longitude) if place else (float(form.lat), float(form.lon))
    measured = []
    for card, hit in zip(cards, hits, strict=True):
        site = hit.location
        distance = geo.haversine_km(*origin, site["lat"], site["lon"]) if site else None
        measured.append(replace(card, distance_km=round(distance, 2) if distance is not None else None))
    return measured


def _facet_options(counts: dict[str, int], codes: Sequence[str], current: str) -> list[tuple[str, int | None]]:
    """(code, matches) for a filter's choices; the current choice stays listed even when nothing matches."""
    options: list[tuple[str, int | None]] = [(code, counts.get(code, 0)) for code in codes]
    if current and current not in codes:
        options.append((current, None))
    return options


def _category_names(vocabularies: Vocabularies, language: str) -> dict[str, str]:
    return {
        term.code: term.name[language] for term in vocabularies.terms.values() if term.taxonomy == "waypost-categories"
    }


def _qr_svg(url: str, title: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=2, title=title, dark="#000")


class DirectoryPages(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: Request, state: State) -> Template:
        context = {
            "categories": top_categories(state.vocabularies),
            "category_names": _category_names(state.vocabularies, render.language(request)),
        }
        return render.render(request, "directory/home.html", context)

    @get("/search")
    async def results(
        self,
        request: Request,
        state: State,
        q: FromQuery[str] = "",
        near: FromQuery[str] = "",
        lat: FromQuery[str] = "",
        lon: FromQuery[str] = "",
        category: FromQuery[str] = "",
        language: FromQuery[str] = "",
        age: FromQuery[str] = "",
        open_now: FromQuery[str] = "",
        free: FromQuery[str] = "",
        area: FromQuery[str] = "mine",
        page: FromQuery[str] = "1",
    ) -> Template:
        form = SearchForm(q, near, lat, lon, category, language, age, _flag(open_now), _flag(free), area, page)
        query = _checked_query(state, form)
        context: dict[str, Any] = {
            "form": form,
            "per_page": PER_PAGE,
            "categories": top_categories(state.vocabularies),
            "category_names": _category_names(state.vocabularies, render.language(request)),
        }
        if form.errors:
            return render.render(request, "directory/results.html", context, status_code=400)
        result: SearchResult = await state.search.search(query)
        if result.total_items and query.page > result.total_pages:
            form.errors["form"] = SEARCH_MESSAGES["page"]
            return render.render(request, "directory/results.html", context, status_code=404)
        cards = await listings.cards(
            state.engine,
            result.contents,
            render.language(request),
            state.vocabularies,
            state.settings.default_timezone,
            datetime.now(UTC),
        )
        languages = result.facets.get("language", {})
        context |= {
            "result": result,
            "cards": _with_distances(cards, result.contents, query, form),
            "category_options": _facet_options(
                result.facets.get("category", {}), top_categories(state.vocabularies), form.category
            ),
            "language_options": _facet_options(
                languages, sorted(languages, key=lambda code: -languages[code]), form.language
            ),
        }
        return render.render(request, "directory/results.html", context)

    async def _service(self, request: Request, state: State, service_id: str) -> listings.ServiceView:
        identifier = _uuid(service_id)
        found = await listings.services(
            state.engine,
            [identifier] if identifier else [],
            render.language(request),
            state.vocabularies,
            state.settings.default_timezone,
            datetime.now(UTC),
        )
        if not found:
            raise NotFoundException(BAD_SERVICE_ID)
        return found[0]

    def _service_page(
        self,
        request: Request,
        service: listings.ServiceView,
        *,
        at: str = "",
        report: ReportForm | None = None,
        errors: dict[str, str] | None = None,
        reported: bool = False,
        status_code: int = 200,
    ) -> Template:
        # The site the visitor came from (a search result's location) comes first.
        chosen = _uuid(at)
        sites = sorted(service.sites, key=lambda site: site.service_at_location_id != chosen)
        context = {
            "service": service,
            "sites": sites,
            "report": report or ReportForm(),
            "problems": feedback.PROBLEMS,
            "errors": errors or {},
            "reported": reported,
        }
        here = f"/services/{service.id}"
        return render.render(request, "directory/service.html", context, status_code=status_code, here=here)

    @get("/services/{service_id:str}")
    async def service(
        self,
        request: Request,
        state: State,
        service_id: FromPath[str],
        at: FromQuery[str] = "",
        reported: FromQuery[str] = "",
    ) -> Template:
        found = await self._service(request, state, service_id)
        return self._service_page(request, found, at=at, reported=reported == "1")

    @post("/services/{service_id:str}/report")
    async def report(
        self,
        request: Request,
        state: State,
        service_id: FromPath[str],
        data: Annotated[ReportForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        report_limit: NamedDependency[feedback.RateLimit],
    ) -> Response[Any]:
        if not csrf.valid(request, data.csrf_token):
            return render.error_page(request, 403, render.ERROR_MESSAGES[403])
        found = await self._service(request, state, service_id)
        problems = feedback.check(data.problem, data.details, data.contact)
        errors = {name: REPORT_MESSAGES[(name, problem)] for name, problem in problems.items()}
        status_code = 400
        if not errors and not report_limit.allow(request.client.host if request.client else "unknown"):
            errors, status_code = {"form": TOO_MANY_REPORTS}, 429
        if errors:
            return self._service_page(request, found, report=data, errors=errors, status_code=status_code)
        report = feedback.Report(
            found.id, data.problem, data.details.strip(), data.contact.strip(), render.language(request)
        )
        await feedback.record(state.engine, report)
        return Redirect(f"/services/{found.id}?reported=1#report", status_code=303)

    async def _list_page(self, request: Request, state: State, ids: list[UUID], template: str, own: bool) -> Template:
        found = await listings.services(
            state.engine,
            ids,
            render.language(request),
            state.vocabularies,
            state.settings.default_timezone,
            datetime.now(UTC),
        )
        token = list_token([service.id for service in found]) if found else ""
        share_url = f"{state.settings.base_url.rstrip('/')}/l/{token}" if token else ""
        context = {
            "services": found,
            "own": own,
            "token": token,
            "share_url": share_url,
            "today": datetime.now(ZoneInfo(state.settings.default_timezone)).date(),
            "summarize": listings.week_summary,
        }
        if share_url:
            title = render.translate(request, N_("QR code: scan it with a phone camera to open this list"))
            context["qr_svg"] = _qr_svg(share_url, title)
        return render.render(request, template, context)

    @get("/list")
    async def my_list(self, request: Request, state: State) -> Template:
        return await self._list_page(request, state, render.saved(request), "directory/list.html", own=True)

    @get("/l/{token:str}")
    async def shared_list(self, request: Request, state: State, token: FromPath[str]) -> Template:
        return await self._list_page(request, state, self._ids(token), "directory/list.html", own=False)

    @get("/l/{token:str}/print")
    async def printed_list(self, request: Request, state: State, token: FromPath[str]) -> Template:
        return await self._list_page(request, state, self._ids(token), "directory/print.html", own=False)

    def _ids(self, token: str) -> list[UUID]:
        ids = list_ids(token)
        if ids is None:
            raise NotFoundException("not a list link")
        return ids

    @post("/list/add")
    async def add(
        self, request: Request, data: Annotated[SaveForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
    ) -> Response[Any]:
        return self._change_list(request, data, add=True)

    @post("/list/remove")
    async def remove(
        self, request: Request, data: Annotated[SaveForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
    ) -> Response[Any]:
        return self._change_list(request, data, add=False)

    def _change_list(self, request: Request, data: SaveForm, *, add: bool) -> Response[Any]:
        """The list kept in a cookie, for browsers without JavaScript (site.js does the same in localStorage)."""
        if not csrf.valid(request, data.csrf_token):
            return render.error_page(request, 403, render.ERROR_MESSAGES[403])
        identifier = _uuid(data.service_id)
        if identifier is None:
            return render.error_page(request, 400, BAD_SERVICE_ID)
        ids = [i for i in render.saved(request) if i != identifier]
        if add:
            ids.append(identifier)
        return Redirect(_local(data.next), status_code=303, cookies=[render.saved_cookie(ids)])


def search_unavailable(request: Request, error: SearchUnavailable) -> Response[Any]:
    # The cause names the search server's address: it goes to the log, not to the page.
    log.warning("search unavailable for %s: %s", request.url.path, error)
    return render.error_page(request, 503, render.ERROR_MESSAGES[503])


def router() -> Router:
    """The directory's pages, with their own report rate limit (one per app, so tests do not share it)."""
    report_limit = feedback.RateLimit(REPORTS_PER_HOUR, 3600)
    return Router(
        path="/",
        route_handlers=[DirectoryPages],
        dependencies={"report_limit": Provide(lambda: report_limit, sync_to_thread=False)},
        exception_handlers={Exception: render.http_error, SearchUnavailable: search_unavailable},
        include_in_schema=False,
    )
