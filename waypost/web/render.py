"""Rendering pages: the Jinja environment every package's templates share, a page for one visitor, static files,
and error pages.

Templates are found by package prefix (``web/base.html``, ``directory/service.html``): ``waypost.app`` gives
``template_config`` the template folder of each package that has pages, and any of them may extend ``web/base.html``.
"""

import hashlib
import logging
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, PrefixLoader, pass_context
from jinja2.runtime import Context
from litestar import Request, Response
from litestar.datastructures import CacheControlHeader, Cookie
from litestar.exceptions import HTTPException
from litestar.exceptions.responses import create_exception_response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from markupsafe import Markup

from waypost.web import csrf, help_lines, i18n
from waypost.web.i18n import N_

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
YEAR = 365 * 86400
# Paths that answer machines, not people: their errors stay JSON.
MACHINE_PATHS = ("/api/", "/hsds", "/schema", "/healthz", "/static/")
# The browser itself refuses anything from another host: a public directory must not leak what people look for.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    # Pages carry the visitor's form token and saved list: no shared cache may keep them.
    "Cache-Control": "private, no-cache",
    "Vary": "Accept-Language, Cookie",
}
ERROR_MESSAGES = {
    400: N_("Something in that address or form was not right. Go back and try again."),
    403: N_("We could not check that form. Go back, reload the page and try again."),
    404: N_("We could not find that page. It may have moved, or the link may be wrong."),
    405: N_("We could not find that page. It may have moved, or the link may be wrong."),
    503: N_("Search is not working right now. Please try again in a few minutes."),
}
SERVER_ERROR = N_("Something went wrong on our side. Please try again in a few minutes.")

# The saved list ("My list"): service ids in a cookie, kept by the no-JavaScript forms and mirrored by site.js from
# the browser's localStorage. The server reads it to draw pages and never stores it.
SAVED_COOKIE = "waypost_list"
MAX_SAVED = 50
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pass_context
def _gettext(context: Context, message: str) -> str:
    return i18n.translations(context["lang"]).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return i18n.translations(context["lang"]).ngettext(singular, plural, count)


def _in_language(format: Any) -> Any:
    """A template filter that formats for the page's language."""

    @pass_context
    def formatted(context: Context, value: Any, *args: Any) -> str:
        return str(format(value, context["lang"], *args))

    return formatted


@pass_context
def _url_with(context: Context, **changes: str | None) -> str:
    return url_with(context["request"], **changes)


@cache
def static_url(name: str) -> str:
    """The address of a static file, versioned by its content so browsers may keep it for a year."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


def template_config(directories: Mapping[str, Path]) -> TemplateConfig[JinjaTemplateEngine]:
    """Templates of each package under its prefix (``{"web": TEMPLATES, "directory": ...}``)."""
    environment = Environment(
        loader=PrefixLoader(
            {prefix: FileSystemLoader(path) for prefix, path in {"web": TEMPLATES, **directories}.items()}
        ),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The i18n extension adds this method at run time; the translations follow each page's language.
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.globals["static"] = static_url
    environment.globals["url_with"] = _url_with
    environment.filters.update(
        {
            "day": _in_language(i18n.day),
            "long_date": _in_language(i18n.long_date),
            "clock": _in_language(i18n.clock),
            "moment": _in_language(i18n.moment),
            "miles": _in_language(i18n.miles),
            "language_name": _in_language(i18n.language_name),
            "tel": help_lines.dialable,
        }
    )
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment))


def static_files() -> Router:
    return create_static_files_router(
        path="/static", directories=[STATIC], cache_control=CacheControlHeader(max_age=YEAR, public=True)
    )


def language(request: Request) -> str:
    return i18n.choose(
        request.query_params.get("lang"), request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )


def translate(request: Request, message: str) -> str:
    """``message`` in the visitor's language, for text that Python writes into a page."""
    return i18n.translations(language(request)).gettext(message)


def saved(request: Request) -> list[UUID]:
    """The services in the visitor's list, oldest first."""
    ids = _UUID.findall(request.cookies.get(SAVED_COOKIE, "").lower())
    return [UUID(value) for value in dict.fromkeys(ids)][:MAX_SAVED]


def saved_cookie(ids: list[UUID]) -> Cookie:
    # Readable by site.js, which keeps it equal to the list in localStorage.
    return Cookie(
        key=SAVED_COOKIE, value=".".join(str(i) for i in ids[:MAX_SAVED]), path="/", max_age=YEAR, samesite="lax"
    )


def url_with(request: Request, **changes: str | None) -> str:
    """This page's address with some query parameters changed (``None`` removes one); ``page`` goes back to 1 unless
    it is one of the changes."""
    changes.setdefault("page", None)
    kept = [(key, value) for key, value in request.query_params.multi_items() if key not in changes]
    added = [(key, value) for key, value in changes.items() if value is not None]
    query = urlencode(kept + added)
    return f"{request.url.path}?{query}" if query else request.url.path


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    here: str | None = None,
) -> Template:
    """The page ``template`` for this visitor: their language, form token, saved list and the crisis lines.

    ``here`` is the page's own address when the request was a form post (the language switch links to it)."""
    current = language(request)
    other = "es" if current == "en" else "en"
    token, token_cookie = csrf.token(request)
    cookies = [token_cookie] if token_cookie else []
    if request.query_params.get("lang") == current:
        cookies.append(Cookie(key=i18n.COOKIE, value=current, path="/", max_age=YEAR, samesite="lax"))
    switch = f"{here}?lang={other}" if here else url_with(request, lang=other, page=request.query_params.get("page"))
    page = {
        "lang": current,
        "other_lang": other,
        "switch_url": switch,
        # Content the catalog has only in English is marked so, for screen readers on Spanish pages.
        "en_attr": Markup(' lang="en"') if current != "en" else "",
        "csrf_field": csrf.FIELD,
        "csrf_token": token,
        "help_lines": help_lines.load(),
        "saved": saved(request),
        **(context or {}),
    }
    headers = {**SECURITY_HEADERS, "Content-Language": current}
    return Template(template, context=page, status_code=status_code, cookies=cookies, headers=headers)


def error_page(request: Request, status_code: int, message: str) -> Template:
    return render(request, "web/error.html", {"status": status_code, "message": message}, status_code=status_code)


def http_error(request: Request, error: Exception) -> Response[Any]:
    """Errors on pages as a page in the visitor's language (a message for people, never a trace)."""
    status_code = error.status_code if isinstance(error, HTTPException) else 500
    if status_code >= 500:
        log.error("page error on %s", request.url.path, exc_info=error)
    message = ERROR_MESSAGES.get(status_code, SERVER_ERROR if status_code >= 500 else ERROR_MESSAGES[400])
    return error_page(request, status_code, message)


def not_found(request: Request, error: HTTPException) -> Response[Any]:
    """A page for an unknown address; JSON as before for the API's addresses."""
    if request.url.path.startswith(MACHINE_PATHS):
        return create_exception_response(request, error)
    return http_error(request, error)
