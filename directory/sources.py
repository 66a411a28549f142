"""Where HSDS comes from: a JSON file, an NDJSON file, a tabular CSV package, or a remote HSDS 3.0 API.

Every reader streams: a JSON array is parsed item by item (ijson), an NDJSON file line by line and an API page by
page, so that a 100k-service file never sits in memory whole. Each record comes with a label saying where it was.
"""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import httpx
import ijson

Format = Literal["json", "ndjson", "csv", "api"]
FORMATS: tuple[Format, ...] = ("json", "ndjson", "csv", "api")
API_PAGE_SIZE = 100


class SourceError(ValueError):
    """The source cannot be read at all (as opposed to a record in it being invalid)."""


def detect_format(source: str) -> Format:
    if urlsplit(source).scheme in ("http", "https"):
        return "api"
    path = Path(source)
    if not path.exists():
        raise SourceError(f"{source}: no such file or folder")
    if path.is_dir() or path.suffix.lower() == ".zip":
        return "csv"
    if path.suffix.lower() in (".ndjson", ".jsonl"):
        return "ndjson"
    with path.open("rb") as file:
        first = file.readline().strip()
        second = file.readline().strip()
    # An NDJSON file is one complete service per line; a JSON document spans lines, starts with "[" or is a Page.
    if first.startswith(b"{") and _is_service_line(first) and (not second or second.startswith(b"{")):
        return "ndjson"
    return "json"


def _is_service_line(line: bytes) -> bool:
    try:
        value = json.loads(line)
    except ValueError:
        return False
    return isinstance(value, dict) and "contents" not in value


async def read_json(path: Path) -> AsyncIterator[tuple[str, Any]]:
    """A JSON array of services, a single service, or an HSDS Page (its ``contents``)."""
    with path.open("rb") as file:
        start = file.read(4096).lstrip()
    if start.startswith(b"["):
        prefix = "item"
    elif b'"contents"' in start or _top_level_keys(path) >= {"contents"}:
        prefix = "contents.item"
    else:
        with path.open("rb") as file:
            try:
                yield "record 1", json.load(file)
            except ValueError as error:
                raise SourceError(f"{path}: not valid JSON ({error})") from None
        return
    with path.open("rb") as file:
        try:
            for number, record in enumerate(ijson.items(file, prefix, use_float=True), start=1):
                yield f"record {number}", record
        except ijson.JSONError as error:
            raise SourceError(f"{path}: not valid JSON ({error})") from None


def _top_level_keys(path: Path) -> set[str]:
    with path.open("rb") as file:
        return {key for prefix, event, key in ijson.parse(file) if prefix == "" and event == "map_key"}


async def read_ndjson(path: Path) -> AsyncIterator[tuple[str, Any]]:
    """One service per line, left as bytes: decoding straight into the Structs is the fast path."""
    with path.open("rb") as file:
        for number, line in enumerate(file, start=1):
            if line.strip():
                yield f"line {number}", line


async def read_api(base_url: str, client: httpx.AsyncClient | None = None) -> AsyncIterator[tuple[str, Any]]:
    """Services from an HSDS 3.0 API: ``.../services/{id}`` for one, else every page of ``/services?full=true``."""
    owned = client is None
    client = client or httpx.AsyncClient(timeout=60, follow_redirects=True)
    try:
        url = base_url.rstrip("/")
        if "/services/" in url:
            yield url, _json(await client.get(url), url)
            return
        services_url = url if url.endswith("/services") else f"{url}/services"
        page = 1
        while True:
            page_url = f"{services_url}?{urlencode({'full': 'true', 'page': page, 'per_page': API_PAGE_SIZE})}"
            body = _json(await client.get(page_url), page_url)
            contents = body.get("contents") if isinstance(body, dict) else None
            if not isinstance(contents, list):
                raise SourceError(f"{page_url}: expected an HSDS Page with contents, got something else")
            for number, record in enumerate(contents, start=1):
                yield f"{services_url} page {page} item {number}", record
            total_pages = body.get("total_pages") or page
            if body.get("last_page") or page >= total_pages or not contents:
                return
            page += 1
    except httpx.HTTPError as error:
        raise SourceError(f"{base_url}: {error}") from None
    finally:
        if owned:
            await client.aclose()


def _json(response: httpx.Response, url: str) -> Any:
    if response.status_code != 200:
        raise SourceError(f"{url}: the server answered {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise SourceError(f"{url}: the answer is not JSON") from None


def read_records(source: str, fmt: Format) -> AsyncIterator[tuple[str, Any]]:
    if fmt == "api":
        return read_api(source)
    if fmt == "ndjson":
        return read_ndjson(Path(source))
    if fmt == "json":
        return read_json(Path(source))
    raise SourceError(f"{fmt} is not a record stream")
