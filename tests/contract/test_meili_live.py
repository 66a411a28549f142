"""The search contract against a real Meilisearch server: the tests that every engine must pass (relevance, strict
filters, the HSDS search parameters, and the same answers as the database engine when no words are given), run on
the Meilisearch engine over the seed region, as the fake runs them in tests/search.

Runs whenever ``WAYPOST_MEILI_URL`` is set (with ``WAYPOST_MEILI_KEY`` if the server needs one), e.g.
``WAYPOST_MEILI_URL=http://127.0.0.1:7700 uv run pytest -m meili_live``. The seed import fills an index of this run's
own (``waypost_contract_<pid>``) through the search outbox, and the index is deleted afterwards.
"""

import os
from collections.abc import Iterator

import meilisearch
import pytest

from tests.search import test_filters, test_hsds_search, test_meili, test_relevance
from tests.search.conftest import MeiliCatalog, seeded_database

MEILI_URL = os.environ.get("WAYPOST_MEILI_URL", "")
INDEX = f"waypost_contract_{os.getpid()}"

pytestmark = [
    pytest.mark.meili_live,
    pytest.mark.skipif(not MEILI_URL, reason="WAYPOST_MEILI_URL is not set: no Meilisearch server to test against"),
]

# The contract is the engine-independent tests themselves, collected here again to run against this server.
for _module in (test_relevance, test_filters, test_hsds_search):
    globals().update({name: test for name, test in vars(_module).items() if name.startswith("test_")})
test_without_words_both_engines_give_the_same_listings_ranked_alike = (
    test_meili.test_without_words_both_engines_give_the_same_listings_ranked_alike
)
test_service_ids_without_words_page_through_every_document = (
    test_meili.test_service_ids_without_words_page_through_every_document
)


@pytest.fixture(scope="module")
def meili_catalog(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeiliCatalog]:
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("WAYPOST_SEARCH_ENGINE", "meilisearch")
        environment.setenv("WAYPOST_MEILI_INDEX", INDEX)
        try:
            with seeded_database("sqlite", request, tmp_path_factory) as url:
                yield MeiliCatalog(url, MEILI_URL, None)
        finally:
            client = meilisearch.Client(MEILI_URL, os.environ.get("WAYPOST_MEILI_KEY") or None)
            for name in (INDEX, f"{INDEX}_tmp"):
                client.wait_for_task(client.delete_index(name).task_uid)


@pytest.fixture(scope="module")
def seeded_url(meili_catalog: MeiliCatalog) -> str:
    return meili_catalog.url
