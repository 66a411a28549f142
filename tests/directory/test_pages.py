"""The public pages over HTTP, on SQLite and PostgreSQL: what each page shows, in English and Spanish, the report
form, the saved list without JavaScript, and that bad input gets a 4xx page with a message, never a 500."""

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from directory import feedback, pages
from directory.ids import term_id
from directory.search.query import SearchQuery, SearchUnavailable
from tests.helpers import app_client, category_attribute, cli, make_service, new_id, query, write_json
from waypost.app import create_app
from waypost.settings import Settings
from waypost.web import csrf

REGION = ZoneInfo("America/Los_Angeles")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
UNKNOWN = "6f1d5c2e-8b7a-4f3e-9c1d-2a4b6c8d0e1f"
VETERANS = str(term_id("waypost-eligibility", "veterans"))


def today() -> date:
    return datetime.now(REGION).date()


def schedule(**fields: Any) -> dict[str, Any]:
    return {"id": new_id(), "freq": "WEEKLY", "tzid": "America/Los_Angeles", **fields}


def open_all_week() -> list[dict[str, Any]]:
    return [schedule(byday=",".join(WEEKDAYS), opens_at="00:00:00", closes_at="23:59:59")]


def open_in_two_days() -> list[dict[str, Any]]:
    """Open one day a week, two days from today: closed now, whatever the time."""
    return [schedule(byday=WEEKDAYS[(today().weekday() + 2) % 7], opens_at="10:00:00", closes_at="14:00:00")]


async def load(database_url: str, tmp_path: Path, services: list[dict[str, Any]]) -> None:
    # The CLI runs its own event loop, so it runs beside this test's loop, in a thread.
    result = await asyncio.to_thread(cli, database_url, "import", str(write_json(tmp_path / "in.json", services)))
    assert result.exit_code == 0, result.output


def form_token(page: httpx.Response) -> str:
    match = re.search(rf'name="{csrf.FIELD}" value="([^"]+)"', page.text)
    assert match, "the page has no form token"
    return match.group(1)


async def visitor_token(client: httpx.AsyncClient) -> str:
    """The form token a first page gives the visitor (the cookie every form repeats)."""
    await client.get("/")
    return str(client.cookies[csrf.COOKIE])


def error_messages(page: httpx.Response) -> list[str]:
    """The messages shown next to form fields (without the "Error:" said only to screen readers)."""
    found = re.findall(r'class="error-message"[^>]*>(.*?)</p>', page.text)
    return [re.sub(r'<span class="visually-hidden">.*?</span>', "", message) for message in found]


def words(page: httpx.Response) -> str:
    """The page's text with the narrow spaces Unicode puts in times ("9:00 AM") made plain."""
    return page.text.replace("\u202f", " ")


async def feedback_rows(database_url: str) -> list[tuple[Any, ...]]:
    sql = "SELECT service_id, problem, details, contact, language, status FROM feedback"
    return await asyncio.to_thread(query, database_url, sql)


# --- home, language ------------------------------------------------------------------------------------------------


async def test_home_has_the_search_box_topics_and_crisis_lines(database_url: str) -> None:
    async with app_client(database_url) as client:
        page = await client.get("/")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert re.search(r'<input type="search" id="q" name="q"', page.text)
    assert 'name="near"' in page.text and "Use my location" in page.text
    assert 'name="category" value="food"' in page.text and ">Food</button>" in page.text
    for number in ("988", "911", "503-988-4888", "360-696-9560"):
        assert f">{number}</a>" in page.text
    assert page.headers["content-language"] == "en"


async def test_language_follows_the_address_then_the_remembered_choice_then_the_browser(database_url: str) -> None:
    async with app_client(database_url) as client:
        browser = await client.get("/", headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"})
        chosen = await client.get("/", params={"lang": "en"}, headers={"accept-language": "es"})
        remembered = await client.get("/", headers={"accept-language": "es"})
    assert '<html lang="es">' in browser.text and "¿Con qué necesita ayuda?" in browser.text
    assert 'href="/?lang=en" lang="en"' in browser.text  # the switch to the other language
    assert "lang=" not in browser.headers.get("set-cookie", "")  # only a choice made on the site is remembered
    assert '<html lang="en">' in chosen.text and "lang=en" in chosen.headers["set-cookie"]
    assert '<html lang="en">' in remembered.text


# --- results -------------------------------------------------------------------------------------------------------


async def test_results_describe_each_service(database_url: str, tmp_path: Path) -> None:
    pantry = make_service(
        schedules=open_all_week(),
        cost_options=[{"id": new_id(), "option": "Free", "amount": 0, "currency": "USD"}],
        minimum_age=18,
        attributes=[
            category_attribute("food.pantry"),
            {
                "id": new_id(),
                "link_type": "eligibility",
                "taxonomy_term_id": str(term_id("waypost-eligibility", "veterans")),
            },
        ],
    )
    await load(database_url, tmp_path, [pantry])
    async with app_client(database_url) as client:
        page = await client.get("/search", params={"q": "pantry", "near": "97233"})
    assert page.status_code == 200
    assert "1 service found" in page.text and "near 97233" in page.text
    assert f'href="/services/{pantry["id"]}?at={pantry["service_at_locations"][0]["id"]}"' in page.text
    card = page.text[page.text.index('class="card"') :]
    for expected in (
        "Eastside Community Pantry",
        "Eastside Neighbors",
        "Food pantries",
        "Open now",
        "10 SE 122nd Ave, Portland, OR, 97233",
        "miles away",
        "<dd>Free</dd>",
        "Spanish",
        "Veterans",
        "Ages 18 and older",
        "Save to my list",
    ):
        assert expected in card, expected


async def test_results_say_when_a_closed_service_opens(database_url: str, tmp_path: Path) -> None:
    await load(database_url, tmp_path, [make_service(schedules=open_in_two_days())])
    async with app_client(database_url) as client:
        page = await client.get("/search", params={"q": "pantry"})
    opens = today() + timedelta(days=2)
    assert "Closed now." in page.text and f"Opens {opens.strftime('%a')} 10:00 AM" in words(page)


async def test_results_filter_and_count_by_category_and_language(database_url: str, tmp_path: Path) -> None:
    shelter = make_service(
        name="Night Shelter",
        description="Beds for the night.",
        schedules=open_all_week(),
        attributes=[category_attribute("housing.shelter")],
        languages=[{"id": new_id(), "name": "Vietnamese", "code": "vi"}],
        fees_description="$5 a night.",
    )
    pantry = make_service(schedules=open_in_two_days(), fees_description="Free.")
    await load(database_url, tmp_path, [shelter, pantry])
    async with app_client(database_url) as client:
        everything = await client.get("/search", params={"near": "97233"})
        housing = await client.get("/search", params={"near": "97233", "category": "housing"})
        vietnamese = await client.get("/search", params={"near": "97233", "language": "vi"})
        open_now = await client.get("/search", params={"near": "97233", "open_now": "1"})
        free = await client.get("/search", params={"near": "97233", "free": "1"})
    assert "2 services found" in everything.text
    assert re.search(r'<option value="food">Food \(1\)</option>', everything.text)
    assert re.search(r'<option value="housing">Housing \(1\)</option>', everything.text)
    assert re.search(r'<option value="vi">Vietnamese \(1\)</option>', everything.text)
    assert "Night Shelter" in housing.text and "Eastside Community Pantry" not in housing.text
    assert "Night Shelter" in vietnamese.text and "Eastside Community Pantry" not in vietnamese.text
    assert "Night Shelter" in open_now.text and "Eastside Community Pantry" not in open_now.text
    assert "Night Shelter" not in free.text and "Eastside Community Pantry" in free.text
    assert "May cost money" in everything.text and "Clear filters" in housing.text


async def test_results_by_age_and_anywhere_outside_my_area(database_url: str, tmp_path: Path) -> None:
    youth = make_service(name="Youth Drop-in", maximum_age=24, service_areas=[], attributes=[])
    elsewhere = make_service(
        name="Far Pantry",
        service_areas=[{"id": new_id(), "name": "Salem", "extent_type": "text", "extent": "97301"}],
    )
    await load(database_url, tmp_path, [youth, elsewhere])
    async with app_client(database_url) as client:
        adult = await client.get("/search", params={"near": "97233", "age": "40"})
        young = await client.get("/search", params={"near": "97233", "age": "19"})
        mine = await client.get("/search", params={"near": "97233"})
        anywhere = await client.get("/search", params={"near": "97233", "area": "any"})
    assert "Youth Drop-in" not in adult.text and "Youth Drop-in" in young.text
    assert "Far Pantry" not in mine.text
    assert "Far Pantry" in anywhere.text and "miles away" in anywhere.text


async def test_misspelled_words_get_a_did_you_mean(database_url: str, tmp_path: Path) -> None:
    await load(database_url, tmp_path, [make_service()])
    async with app_client(database_url) as client:
        page = await client.get("/search", params={"q": "pantyr"})
    assert "Did you mean:" in page.text and ">pantry</a>" in page.text


async def test_no_results_suggest_broader_searches_and_help_lines(database_url: str, tmp_path: Path) -> None:
    await load(database_url, tmp_path, [make_service()])
    async with app_client(database_url) as client:
        page = await client.get("/search", params={"q": "zzqx", "near": "97233", "free": "1"})
    assert page.status_code == 200
    assert "We did not find a service for that" in page.text
    assert "Search again without filters" in page.text and "Show all services, without the words" in page.text
    assert "Include services that do not list your area" in page.text
    assert ">211</a>" in page.text and ">988</a>" in page.text


async def test_results_come_in_pages(database_url: str, tmp_path: Path) -> None:
    services = [make_service(name=f"Pantry number {n}") for n in range(pages.PER_PAGE + 2)]
    await load(database_url, tmp_path, services)
    async with app_client(database_url) as client:
        first = await client.get("/search", params={"q": "pantry"})
        second = await client.get("/search", params={"q": "pantry", "page": "2"})
        beyond = await client.get("/search", params={"q": "pantry", "page": "3"})
    assert "Page 1 of 2" in first.text and 'rel="next" href="/search?q=pantry&amp;page=2"' in first.text
    assert second.text.count('class="card"') == 2 and 'rel="prev"' in second.text
    assert beyond.status_code == 404 and "That page of results does not exist" in beyond.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"near": "Portland"}, "Enter a 5-digit ZIP code"),
        ({"near": "00000"}, "Enter a 5-digit ZIP code"),
        ({"age": "old"}, "Enter an age in years"),
        ({"age": "500"}, "Enter an age in years"),
        ({"category": "spaceships"}, "Choose a topic from the list"),
        ({"language": "klingon"}, "Choose a language from the list"),
        ({"lat": "500", "lon": "0"}, "We could not read your location"),
        ({"lat": "45.5"}, "We could not read your location"),
        ({"area": "moon"}, "Choose where to look"),
        ({"page": "0"}, "That page of results does not exist"),
        ({"page": "many"}, "That page of results does not exist"),
    ],
)
async def test_bad_search_input_gets_the_form_back_with_a_message(
    database_url: str, params: dict[str, str], message: str
) -> None:
    async with app_client(database_url) as client:
        page = await client.get("/search", params={"q": "food", **params})
    assert page.status_code == 400
    assert message in page.text and "There is a problem" in page.text
    assert 'value="food"' in page.text  # what the visitor typed stays in the form


@pytest.mark.parametrize(
    "address",
    [
        "/search?q=a&q=b",
        "/search?page=1e999",
        "/search?near=%00",
        "/search?lat=nan&lon=nan",
        "/search?lon=inf&lat=1",
        "/search?category=%ff",
        "/search?q=" + "x" * 3000,
        "/services/%00",
        f"/services/{UNKNOWN}?at=nothing",
        "/l/%00/print",
        "/?lang=zz",
    ],
)
async def test_odd_addresses_never_fail(database_url: str, address: str) -> None:
    async with app_client(database_url) as client:
        page = await client.get(address)
    assert page.status_code < 500 and "text/html" in page.headers["content-type"]


async def test_search_down_is_a_503_page(tmp_path: Path, database_url: str) -> None:
    class Down:
        name = "down"

        async def search(self, query: SearchQuery) -> Any:
            raise SearchUnavailable("connection refused by 10.0.0.1")

    app = create_app(Settings(database_url=database_url))
    async with app.lifespan():
        app.state.search = Down()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            page = await client.get("/search", params={"q": "food"})
    assert page.status_code == 503 and "Search is not working right now" in page.text
    assert "10.0.0.1" not in page.text


# --- service page --------------------------------------------------------------------------------------------------


def full_listing() -> dict[str, Any]:
    holiday = today() + timedelta(days=3)
    return make_service(
        name_es="Despensa Comunitaria del Este",
        description_es="Comida gratis una vez por semana para quien la necesite.",
        eligibility_description="Anyone who lives in East Portland.",
        application_process="Walk in during open hours.",
        application_process_es="Venga durante el horario de atención.",
        fees_description="Free.",
        assured_date="2026-10-01",
        schedules=[
            schedule(byday=",".join(WEEKDAYS), opens_at="09:00:00", closes_at="17:00:00"),
            {"id": new_id(), "valid_from": holiday.isoformat(), "description": "Closed for the holiday"},
        ],
        required_documents=[{"id": new_id(), "document": "A piece of mail with your address"}],
        phones=[{"id": new_id(), "number": "503-555-0142", "type": "voice", "description": "Front desk"}],
    )


async def test_service_page_says_what_who_how_where_and_when(database_url: str, tmp_path: Path) -> None:
    service = full_listing()
    await load(database_url, tmp_path, [service])
    async with app_client(database_url) as client:
        page = await client.get(f"/services/{service['id']}")
    assert page.status_code == 200
    text = words(page)
    for expected in (
        "<h1>Eastside Community Pantry</h1>",
        "Offered by Eastside Neighbors",
        "Free groceries once a week",
        "Anyone who lives in East Portland.",
        "Walk in during open hours.",
        "A piece of mail with your address",
        "10 SE 122nd Ave, Portland, OR, 97233",
        'href="https://www.openstreetmap.org/directions?to=10%20SE%20122nd%20Ave',
        'href="tel:+15035550142"',
        "Call 503-555-0142",
        "Spanish",
        "East Portland",
        "Last checked on October 1, 2026.",
        "Closed for the holiday",
        "Report a problem with this listing",
    ):
        assert expected in text, expected
    today_row = re.search(r'<tr class="today">(.*?)</tr>', text, re.S)
    assert today_row and "Today" in today_row.group(1) and "9:00 AM to 5:00 PM" in today_row.group(1)
    assert text.count("<tr") == 7


async def test_service_page_in_spanish_uses_the_spanish_text_and_marks_the_english(
    database_url: str, tmp_path: Path
) -> None:
    service = full_listing()
    await load(database_url, tmp_path, [service])
    async with app_client(database_url) as client:
        page = await client.get(f"/services/{service['id']}", params={"lang": "es"})
    assert '<html lang="es">' in page.text
    assert "<h1>Despensa Comunitaria del Este</h1>" in page.text
    assert "Comida gratis una vez por semana" in page.text and "Venga durante el horario" in page.text
    # No Spanish eligibility text: the English is shown, marked as English for screen readers.
    assert '<p lang="en">Anyone who lives in East Portland.</p>' in page.text
    assert "Revisado por última vez el 1 de octubre de 2026." in page.text


@pytest.mark.parametrize("service_id", ["not-a-service", UNKNOWN])
async def test_unknown_service_is_a_404_page(database_url: str, service_id: str) -> None:
    async with app_client(database_url) as client:
        page = await client.get(f"/services/{service_id}")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "We could not find that page" in page.text


async def test_unknown_address_is_a_page_but_api_errors_stay_json(database_url: str) -> None:
    async with app_client(database_url) as client:
        page = await client.get("/no/such/page")
        api = await client.get(f"/hsds/services/{UNKNOWN}")
    assert page.status_code == 404 and "We could not find that page" in page.text
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


# --- report a problem ----------------------------------------------------------------------------------------------


async def test_a_report_is_stored_for_administrators(database_url: str, tmp_path: Path) -> None:
    service = make_service()
    await load(database_url, tmp_path, [service])
    async with app_client(database_url) as client:
        token = form_token(await client.get(f"/services/{service['id']}", params={"lang": "es"}))
        sent = await client.post(
            f"/services/{service['id']}/report",
            data={"problem": "phone", "details": " Nobody answers ", "contact": "", csrf.FIELD: token},
        )
        thanks = await client.get(sent.headers["location"])
    assert sent.status_code == 303 and sent.headers["location"].endswith("?reported=1#report")
    assert "Gracias. Vamos a revisar esta información." in thanks.text
    [(service_id, problem, details, contact, language, status)] = await feedback_rows(database_url)
    assert str(service_id).replace("-", "") == service["id"].replace("-", "")
    assert (problem, details, contact, language, status) == ("phone", "Nobody answers", None, "es", "new")


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"problem": ""}, "Choose what is wrong."),
        ({"problem": "aliens"}, "Choose what is wrong."),
        ({"problem": "other", "details": "  "}, "Tell us what is wrong."),
        ({"problem": "hours", "details": "x" * 2001}, "Please keep it under 2,000 characters."),
        ({"problem": "hours", "contact": "x" * 201}, "Please keep it under 200 characters."),
    ],
)
async def test_a_report_with_a_problem_comes_back_with_the_message(
    database_url: str, tmp_path: Path, form: dict[str, str], message: str
) -> None:
    service = make_service()
    await load(database_url, tmp_path, [service])
    async with app_client(database_url) as client:
        token = form_token(await client.get(f"/services/{service['id']}"))
        page = await client.post(f"/services/{service['id']}/report", data={**form, csrf.FIELD: token})
    assert page.status_code == 400 and message in error_messages(page)
    assert (await feedback_rows(database_url)) == []


async def test_a_report_without_the_form_token_is_refused(database_url: str, tmp_path: Path) -> None:
    service = make_service()
    await load(database_url, tmp_path, [service])
    async with app_client(database_url) as client:
        await client.get(f"/services/{service['id']}")  # the visitor has a token cookie, but the form lacks it
        page = await client.post(f"/services/{service['id']}/report", data={"problem": "phone"})
    assert page.status_code == 403 and "We could not check that form" in page.text
    assert (await feedback_rows(database_url)) == []


async def test_reports_are_limited_per_visitor_per_hour(database_url: str, tmp_path: Path) -> None:
    service = make_service()
    await load(database_url, tmp_path, [service])
    async with app_client(database_url) as client:
        token = form_token(await client.get(f"/services/{service['id']}"))
        answers = [
            (await client.post(f"/services/{service['id']}/report", data={"problem": "hours", csrf.FIELD: token}))
            for _ in range(pages.REPORTS_PER_HOUR + 1)
        ]
    assert [answer.status_code for answer in answers] == [303] * pages.REPORTS_PER_HOUR + [429]
    assert "You have sent many reports in the last hour" in answers[-1].text
    assert len(await feedback_rows(database_url)) == pages.REPORTS_PER_HOUR


async def test_a_report_about_an_unknown_service_is_404(database_url: str) -> None:
    async with app_client(database_url) as client:
        token = await visitor_token(client)
        page = await client.post(f"/services/{UNKNOWN}/report", data={"problem": "hours", csrf.FIELD: token})
    assert page.status_code == 404


# --- my list -------------------------------------------------------------------------------------------------------


@asynccontextmanager
async def two_services(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, list[Any]]]:
    services = [make_service(schedules=open_all_week()), make_service(name="Night Shelter")]
    await load(database_url, tmp_path, services)
    async with app_client(database_url) as client:
        yield client, services


async def test_the_list_works_without_javascript(database_url: str, tmp_path: Path) -> None:
    async with two_services(database_url, tmp_path) as (client, services):
        token = await visitor_token(client)
        for service in services:
            added = await client.post(
                "/list/add", data={"service_id": service["id"], "next": "/search?q=x", csrf.FIELD: token}
            )
            assert added.status_code == 303 and added.headers["location"] == "/search?q=x"
        both = await client.get("/list")
        removed = await client.post("/list/remove", data={"service_id": services[0]["id"], csrf.FIELD: token})
        one = await client.get(removed.headers["location"])
    assert "Eastside Community Pantry" in both.text and "Night Shelter" in both.text
    assert "data-saved-count>2<" in both.text and "Remove from my list" in both.text
    assert "Eastside Community Pantry" not in one.text and "Night Shelter" in one.text


async def test_a_list_is_shared_as_a_short_link_and_printed_with_a_qr_code(database_url: str, tmp_path: Path) -> None:
    async with two_services(database_url, tmp_path) as (client, services):
        token = pages.list_token([UUID(s["id"]) for s in services])
        shared = await client.get(f"/l/{token}")
        printed = await client.get(f"/l/{token}/print")
    assert len(token) == 43  # 16 bytes per service, base64
    assert shared.status_code == 200 and "Someone shared this list" in shared.text
    assert f'value="http://127.0.0.1:8000/l/{token}"' in shared.text and "<svg" in shared.text
    assert printed.status_code == 200
    for expected in (
        "Services for you",
        "Eastside Community Pantry",
        "Night Shelter",
        "10 SE 122nd Ave",
        "503-555-0142",
    ):
        assert expected in printed.text
    assert "Open 24 hours a day, 7 days a week." in printed.text and "<svg" in printed.text
    assert "988" in printed.text[printed.text.index("handout-footer") :]


@pytest.mark.parametrize("token", ["not-base64!", "AAAA", "A" * 800])
async def test_a_broken_list_link_is_a_404_page(database_url: str, token: str) -> None:
    async with app_client(database_url) as client:
        page = await client.get(f"/l/{token}")
    assert page.status_code == 404 and "We could not find that page" in page.text


async def test_list_forms_go_back_only_to_this_site(database_url: str, tmp_path: Path) -> None:
    async with two_services(database_url, tmp_path) as (client, services):
        token = await visitor_token(client)
        away = await client.post(
            "/list/add", data={"service_id": services[0]["id"], "next": "//evil.example/", csrf.FIELD: token}
        )
        bad = await client.post("/list/add", data={"service_id": "nope", csrf.FIELD: token})
        forged = await client.post("/list/add", data={"service_id": services[0]["id"]})
    assert away.status_code == 303 and away.headers["location"] == "/list"
    assert bad.status_code == 400 and "That is not a service in the directory." in bad.text
    assert forged.status_code == 403


# --- every page ----------------------------------------------------------------------------------------------------


async def test_pages_load_nothing_from_other_hosts_and_stay_small(database_url: str, tmp_path: Path) -> None:
    service = full_listing()
    await load(database_url, tmp_path, [service, *(make_service(name=f"Pantry {n}") for n in range(12))])
    async with app_client(database_url) as client:
        token = pages.list_token([UUID(service["id"])])
        addresses = ["/", "/search?q=pantry&near=97233", f"/services/{service['id']}", "/list", f"/l/{token}/print"]
        for address in addresses:
            page = await client.get(address)
            assert page.status_code == 200, address
            assert "default-src 'self'" in page.headers["content-security-policy"]
            assets = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', page.text)
            assert assets and all(asset.startswith("/static/") for asset in assets), assets
            weight = len(page.content) + sum([len((await client.get(asset)).content) for asset in assets])
            assert weight < 100_000, (address, weight)


def test_list_tokens_round_trip() -> None:
    ids = [uuid4() for _ in range(3)]
    assert pages.list_ids(pages.list_token(ids)) == ids
    assert pages.list_ids("") is None


def test_the_report_limit_forgets_after_its_window(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(feedback.time, "monotonic", lambda: clock[0])
    limit = feedback.RateLimit(2, 3600)
    assert [limit.allow("a"), limit.allow("a"), limit.allow("a"), limit.allow("b")] == [True, True, False, True]
    clock[0] += 3601
    assert limit.allow("a")
