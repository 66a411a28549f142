"""Settings, read once from the environment (a ``.env`` file in the working directory counts as environment)."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

SEARCH_ENGINES = ("auto", "meilisearch")  # auto: the database's own


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"WAYPOST_{name}", default)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", ".waypost")))
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL"))
    search_engine: str = field(default_factory=lambda: _env("SEARCH_ENGINE", "auto"))
    meili_url: str = field(default_factory=lambda: _env("MEILI_URL"))
    meili_key: str = field(default_factory=lambda: _env("MEILI_KEY"))
    meili_index: str = field(default_factory=lambda: _env("MEILI_INDEX", "waypost"))
    base_url: str = field(default_factory=lambda: _env("BASE_URL", "http://127.0.0.1:8000"))
    default_timezone: str = field(default_factory=lambda: _env("DEFAULT_TIMEZONE", "America/Los_Angeles"))

    def __post_init__(self) -> None:
        if not self.database_url:
            # The embedded default: a SQLite file in the data directory.
            path = (self.data_dir / "waypost.sqlite3").resolve()
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{path}")

    def check_search(self) -> None:
        """Raise ``ValueError`` naming the variable when the search engine settings cannot work."""
        if self.search_engine not in SEARCH_ENGINES:
            raise ValueError(
                f"WAYPOST_SEARCH_ENGINE is {self.search_engine!r}: it must be one of {', '.join(SEARCH_ENGINES)}"
            )
        if self.search_engine == "meilisearch" and not self.meili_url:
            raise ValueError(
                "WAYPOST_SEARCH_ENGINE is meilisearch but WAYPOST_MEILI_URL is not set: "
                "give the server's address (e.g. http://127.0.0.1:7700)"
            )

    def ensure_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


def load_settings(**overrides: object) -> Settings:
    load_dotenv(override=False)
    return Settings(**overrides)  # type: ignore[arg-type]
