"""Which search words are common (``CommonWords``), on the seed region as each database tells it.

SQLite counts a word's documents through its text index; PostgreSQL reads the share of the texts holding the word
from the statistics ANALYZE keeps, which the seed import refreshes. Both must agree with a plain count wherever the
count is clearly on one side of the threshold (a word within MARGIN of it may go either way on PostgreSQL, whose
statistics are estimates).
"""

import asyncio
import math

from sqlalchemy import func, literal_column, select, text

from directory.search.database import COMMON_MINIMUM, COMMON_SHARE, CommonWords, dialect, doc
from waypost.db import create_engine

WORDS = ("help", "health", "care", "support", "free", "services", "food", "clinic", "counseling", "pantry", "rent")
MARGIN = 0.05  # of the documents


async def _exact_count(connection, word: str) -> int:
    if connection.dialect.name == "sqlite":
        found = text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :word")
        return int((await connection.execute(found, {"word": f'"{word}"'})).scalar_one())
    query = func.plainto_tsquery(literal_column("'en_unaccent'"), word).op("||")(
        func.plainto_tsquery(literal_column("'es_unaccent'"), word)
    )
    found = select(func.count()).where(literal_column("tsv").op("@@")(query)).select_from(text("search_text"))
    return int((await connection.execute(found)).scalar_one())


def test_common_words_are_those_in_a_fifth_of_the_listings(seeded_database_url: str) -> None:
    async def run() -> tuple[dict[str, bool], dict[str, int], int]:
        engine = create_engine(seeded_database_url)
        try:
            async with engine.connect() as connection:
                common = CommonWords(dialect(engine.dialect.name))
                documents = (await connection.execute(select(func.count()).select_from(doc))).scalar_one()
                decided = {word: await common(connection, word) for word in WORDS}
                counts = {word: await _exact_count(connection, word) for word in WORDS}
                return decided, counts, documents
        finally:
            await engine.dispose()

    decided, counts, documents = asyncio.run(run())
    threshold = max(COMMON_MINIMUM, math.ceil(documents * COMMON_SHARE))
    clear = {word: count >= threshold for word, count in counts.items() if abs(count - threshold) > MARGIN * documents}
    assert True in clear.values() and False in clear.values(), (counts, threshold)  # both kinds are checked
    assert {word: decided[word] for word in clear} == clear, (counts, threshold)
