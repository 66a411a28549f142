"""The public site in a real browser: the journeys people make, accessibility (axe-core), the keyboard, page
weight, and that no page asks any other host for anything."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from directory import pages
from tests.e2e.conftest import DESKTOP, PHONE, Site, in_thread
from tests.helpers import query

SEED = json.loads((Path(__file__).resolve().parents[2] / "seed_data" / "catalog" / "services.json").read_text())
SERVICE = "8407bbb5-2483-5d4a-a325-e8508e0e5952"  # Adult Counseling at Millpond Behavioral Health, two clinics
SAVED = [SERVICE, *(service["id"] for service in SEED[1:3])]
PAGES = {
    "home": "/",
    "results": "/search?q=food&near=97233",
    "service": f"/services/{SERVICE}",
    "list": "/list",
    "print": f"/l/{pages.list_token([UUID(i) for i in SAVED])}/print",
}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
MAX_BYTES = 100_000  # each page with its style sheet and script, before images
# Every control a keyboard user must reach. A radio group is one stop (arrow keys move within it).
CONTROLS_SCRIPT = """() => {
  const shown = el => el.checkVisibility({visibilityProperty: true});  // not inside a closed <details>
  const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter(el => shown(el) && !el.disabled);
  return all.map((el, index) => {
    el.dataset.e2eKey = el.type === "radio" ? "radio:" + el.name : "control:" + index;
    return el.dataset.e2eKey;
  });
}"""


@pytest.fixture
def visitor(context: BrowserContext, site: Site) -> Iterator[Page]:
    """A page in a fresh browser context whose every request is checked, after the test, to stay on this site."""
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    yield context.new_page()
    elsewhere = [url for url in requested if urlsplit(url).netloc != site.host]
    assert elsewhere == [], f"requests to other hosts: {elsewhere}"


def serious_violations(page: Page) -> list[str]:
    """What axe-core finds serious or critical on the page as it is now."""
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in ("serious", "critical")]


def save_list(context: BrowserContext, site: Site) -> None:
    """A visitor whose list already holds three services (as site.js keeps it in the cookie)."""
    context.add_cookies([{"name": "waypost_list", "value": ".".join(SAVED), "url": site.url}])


# --- every page ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", PAGES)
def test_each_page_is_accessible_light_and_stays_on_this_site(
    browser: Browser, site: Site, screenshots: Path, name: str, size: str
) -> None:
    context = browser.new_context(base_url=site.url, viewport=SIZES[size], locale="en-US")
    save_list(context, site)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(PAGES[name])
    page.wait_for_load_state("networkidle")
    page.screenshot(path=screenshots / f"{name}-{size}.png", full_page=True)
    page.screenshot(path=screenshots / f"{name}-{size}-first-screen.png")

    hosts = {urlsplit(response.url).netloc for response in responses}
    assert hosts == {site.host}
    weight = sum(len(response.body()) for response in responses if response.request.resource_type != "image")
    assert weight < MAX_BYTES, f"{name}: {weight} bytes"
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], "the page scrolls sideways"

    assert serious_violations(page) == []
    context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", PAGES)
def test_the_keyboard_reaches_every_control(browser: Browser, site: Site, name: str, size: str) -> None:
    context = browser.new_context(base_url=site.url, viewport=SIZES[size], locale="en-US")
    save_list(context, site)
    page = context.new_page()
    page.goto(PAGES[name])
    controls = set(page.evaluate(CONTROLS_SCRIPT))
    reached = []
    for _ in range(len(controls) * 2 + 5):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.dataset.e2eKey || document.activeElement.tagName"))
    assert page.evaluate("document.querySelector('.skip-link').dataset.e2eKey") == reached[0], "skip link first"
    assert controls - set(reached) == set()
    context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_page_fits_a_320px_screen(browser: Browser, site: Site, language: str) -> None:
    # 320 CSS pixels is also a 1280-pixel window at 400% zoom: nothing may need scrolling sideways.
    context = browser.new_context(base_url=site.url, viewport={"width": 320, "height": 640})
    save_list(context, site)
    page = context.new_page()
    for name, address in PAGES.items():
        page.goto(f"{address}{'&' if '?' in address else '?'}lang={language}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, name
    context.close()


# --- journeys ------------------------------------------------------------------------------------------------------


def test_search_by_words_and_zip_filter_and_open_a_service(visitor: Page, screenshots: Path) -> None:
    page = visitor
    page.goto("/")
    page.get_by_label("What do you need help with?").fill("food pantry")
    page.get_by_label("Where are you? ZIP code").fill("97233")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search\?q=food\+pantry&near=97233"))
    expect(page.locator("#count")).to_contain_text("services found near 97233")
    everything = int(page.locator("#count").inner_text().split()[0])

    page.get_by_label("Free", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"free=1"))
    free = int(page.locator("#count").inner_text().split()[0])
    assert 0 < free <= everything
    expect(page.locator(".card dd", has_text="May cost money")).to_have_count(0)
    page.screenshot(path=screenshots / "journey-filtered-results.png")

    first = page.locator(".card h2 a").first
    name = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.get_by_role("heading", name="Where and when")).to_be_visible()
    expect(page.locator("tr.today")).to_have_count(page.locator(".site table.hours").count())


def test_search_by_zip_and_topic_alone(visitor: Page) -> None:
    page = visitor
    page.goto("/")
    page.get_by_label("Where are you? ZIP code").fill("98660")
    page.get_by_role("button", name="Housing", exact=True).click()
    expect(page).to_have_url(re.compile(r"near=98660.*category=housing|category=housing.*near=98660"))
    expect(page.locator("h1")).to_have_text("Housing")
    expect(page.locator("#count")).to_contain_text("near 98660")
    expect(page.locator(".card").first).to_be_visible()


def test_use_my_location(browser: Browser, site: Site) -> None:
    context = browser.new_context(
        base_url=site.url, geolocation={"latitude": 45.5122, "longitude": -122.5791}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("[data-locate-status]")).to_contain_text("Using where you are now")
    page.get_by_label("What do you need help with?").fill("food")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"lat=45\.51&lon=-122\.58"))
    expect(page.locator("#count")).to_contain_text("near you")
    context.close()


def test_save_three_services_then_print_and_share_the_list(
    visitor: Page, browser: Browser, site: Site, screenshots: Path
) -> None:
    page = visitor
    page.goto("/search?q=food&near=97233")
    results_url = page.url
    saves = page.locator("form[data-save] button")
    for index in range(3):
        saves.nth(index).click()
    expect(page.locator("[data-saved-count]")).to_have_text("3")
    expect(saves.nth(0)).to_contain_text("Remove from my list")
    expect(page.locator("[data-announce]")).to_have_text("Saved to your list.")
    assert page.url == results_url  # saved in the browser, without leaving the page
    assert len(page.evaluate("JSON.parse(localStorage.getItem('waypost.list'))")) == 3

    page.get_by_role("link", name=re.compile("My list")).click()
    expect(page.locator(".saved-list > li")).to_have_count(3)
    share_url = page.locator("#share-link").input_value()
    assert share_url.startswith(f"{site.url}/l/")
    expect(page.locator(".qr svg")).to_be_visible()

    page.get_by_role("link", name="Print this list").click()
    expect(page.locator(".handout > li")).to_have_count(3)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".print-actions")).to_be_hidden()
    expect(page.locator(".handout-footer")).to_contain_text("988")
    page.screenshot(path=screenshots / "print-as-printed.png")
    printed = page.pdf(format="Letter", print_background=False)
    assert len(re.findall(rb"/Type\s*/Page\b", printed)) == 1, "the handout fits one page"

    # Someone else opens the shared link: the same three services.
    other = browser.new_context()
    shared = other.new_page()
    shared.goto(share_url)
    expect(shared.locator(".saved-list > li")).to_have_count(3)
    expect(shared.locator("h1")).to_have_text("A list of services")
    other.close()

    # Back on the list, removing one draws the list again.
    page.emulate_media(media="screen")
    page.goto("/list")
    page.locator(".saved-list form[data-save] button").first.click()
    expect(page.locator(".saved-list > li")).to_have_count(2)
    expect(page.locator("[data-saved-count]")).to_have_text("2")


def test_the_list_works_without_javascript(browser: Browser, site: Site) -> None:
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/search?q=food&near=97233")
    page.locator("form[data-save] button").first.click()
    expect(page).to_have_url(re.compile(r"/search\?q=food&near=97233#s-"))
    expect(page.locator("[data-saved-count]")).to_have_text("1")
    expect(page.locator("form[data-save] button").first).to_contain_text("Remove from my list")
    page.goto("/list")
    expect(page.locator(".saved-list > li")).to_have_count(1)
    context.close()


def test_switch_to_spanish_and_stay_in_spanish(visitor: Page, screenshots: Path) -> None:
    page = visitor
    page.goto("/")
    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Encuentre ayuda cerca de usted")
    page.get_by_label("¿Con qué necesita ayuda?").fill("comida")
    page.get_by_label("¿Dónde está usted? Código postal (ZIP)").fill("97233")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "es")  # remembered without ?lang= in the address
    expect(page.locator("#count")).to_contain_text("Encontramos")
    page.goto(f"/services/{SERVICE}")
    expect(page.locator("h1")).to_have_text("Consejería para adultos")
    expect(page.get_by_role("heading", name="Qué es")).to_be_visible()
    page.screenshot(path=screenshots / "service-spanish-desktop.png", full_page=True)


def test_report_a_problem_with_a_listing(visitor: Page, site: Site, screenshots: Path) -> None:
    page = visitor
    page.goto(f"/services/{SERVICE}")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".error-summary")).to_contain_text("Choose what is wrong.")
    page.get_by_label("The phone number is wrong").check()
    page.get_by_label("Tell us more").fill("Nobody answered on Tuesday morning.")
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_url(re.compile(r"reported=1#report"))
    expect(page.locator(".notice.success")).to_have_text("Thank you. We will check this listing.")
    page.screenshot(path=screenshots / "report-sent-desktop.png")
    sql = "SELECT problem, status FROM feedback WHERE details = :details"
    stored = in_thread(query, site.database_url, sql, details="Nobody answered on Tuesday morning.")
    assert stored == [("phone", "new")]


def test_answer_the_self_screening_and_see_help_nearby(visitor: Page, screenshots: Path) -> None:
    page = visitor
    page.goto("/")
    page.get_by_role("link", name=re.compile("Not sure what to ask for")).click()
    expect(page.locator("h1")).to_have_text("Answer a few questions to find help")
    assert serious_violations(page) == []
    page.get_by_label("Your ZIP code").fill("97233")
    page.locator("#answer-ahc-hrsn-88122-7").get_by_label("Often true").check()
    page.locator("#answer-ahc-hrsn-95618-5").get_by_label("Frequently").check()
    page.get_by_role("button", name="Show help near me").click()
    expect(page.get_by_role("heading", name="Your safety comes first")).to_be_visible()
    food = page.locator(".need", has=page.get_by_role("heading", name="Enough food"))
    expect(food.locator(".card").first).to_be_visible()
    expect(food.get_by_role("link", name=re.compile("See more places near 97233"))).to_have_attribute(
        "href", re.compile(r"/search\?category=food\.pantry&near=97233")
    )
    page.screenshot(path=screenshots / "screening-result-desktop.png", full_page=True)
    assert serious_violations(page) == []
    first = food.locator(".card h4 a").first
    name = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(name)
