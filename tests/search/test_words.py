"""A search of several words finds the listings with all of them and, in the categories the words name, those with
any of them, unless fewer than ``FEW`` listings are found so: then a listing with any of them will do, those with
all of them first. Through the search API and the HSDS API's ``search``, which narrow alike."""

import asyncio
from pathlib import Path
from typing import Any

from directory.search.database import FEW
from tests.helpers import app_client, category_attribute, cli, make_service, write_json

# Each name is the listing's only text with these words (the organization and description are shared).
NAMES = (
    [f"Harmonica Workshop {n}" for n in range(FEW)]  # enough with both words
    + [f"Harmonica Club {n}" for n in range(3)]
    + [f"Pottery Workshop {n}" for n in range(3)]
    + [f"Pottery Club {n}" for n in range(2)]  # too few with both words
)


def test_every_word_is_required_unless_too_few_listings_have_them_all(database_url: str, tmp_path: Path) -> None:
    services = [make_service(name=name) for name in NAMES]
    assert cli(database_url, "import", str(write_json(tmp_path / "services.json", services))).exit_code == 0

    async def searched() -> tuple[list[str], list[str], int, int]:
        async with app_client(database_url) as client:

            async def names(words: str) -> list[str]:
                response = await client.get("/api/v1/search", params={"q": words, "per_page": 50})
                assert response.status_code == 200, response.text
                return [hit["name"] for hit in response.json()["contents"]]

            async def services(words: str) -> int:
                response = await client.get("/hsds/services", params={"search": words, "per_page": 50})
                assert response.status_code == 200, response.text
                return int(response.json()["total_items"])

            return (
                await names("harmonica workshop"),
                await names("pottery club"),
                await services("harmonica workshop"),
                await services("pottery club"),
            )

    every, either, every_services, either_services = asyncio.run(searched())
    assert sorted(every) == sorted(f"Harmonica Workshop {n}" for n in range(FEW))
    assert every_services == FEW
    # Two listings have both words: any one will do, and those with both rank first.
    assert sorted(either[:2]) == ["Pottery Club 0", "Pottery Club 1"]
    assert sorted(either[2:]) == sorted(
        [f"Harmonica Club {n}" for n in range(3)] + [f"Pottery Workshop {n}" for n in range(3)]
    )
    assert either_services == 8


def test_in_the_categories_the_words_name_any_word_will_do(database_url: str, tmp_path: Path) -> None:
    # "a bed tonight" names the emergency shelters, whose category names have neither word.
    def listing(name: str, category: str, **fields: str) -> dict[str, Any]:
        return make_service(name=name, attributes=[category_attribute(category)], **fields)

    services = [listing(f"Shelter Cots {n}", "housing.shelter") for n in range(FEW)] + [
        # Verified long ago: only its word can rank it first.
        listing("Bed Count Line", "housing.shelter", assured_date="2023-01-02"),
        listing("Bed Frames Furniture Bank", "legal"),
        listing("Tonight Bed Program", "legal"),
    ]
    assert cli(database_url, "import", str(write_json(tmp_path / "services.json", services))).exit_code == 0

    async def searched() -> list[str]:
        async with app_client(database_url) as client:
            response = await client.get("/api/v1/search", params={"q": "a bed tonight", "per_page": 50})
            assert response.status_code == 200, response.text
            return [hit["name"] for hit in response.json()["contents"]]

    names = asyncio.run(searched())
    # Every shelter, the listing with both words, not the one outside the shelters with one of them.
    assert sorted(names) == sorted(
        ["Bed Count Line", "Tonight Bed Program"] + [f"Shelter Cots {n}" for n in range(FEW)]
    )
    # Ranked by its word among the shelters, though the others were verified more recently.
    assert names.index("Bed Count Line") < min(names.index(f"Shelter Cots {n}") for n in range(FEW))
