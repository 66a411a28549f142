"""Protection against cross-site form posts for the public forms (double-submit token).

Each visitor gets a random token in a cookie; every form carries it in a hidden field, and a post is accepted only
when the two are equal. Another site can make a browser post a form here, with the cookie, but it cannot read the
cookie to put the same token in the form. The cookie is ``SameSite=Lax`` as well, so browsers do not even send it
with a post from another site. No server-side secret or session is needed.
"""

import hmac
import re
import secrets

from litestar import Request
from litestar.datastructures import Cookie

COOKIE = "waypost_csrf"
FIELD = "csrf_token"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def token(request: Request) -> tuple[str, Cookie | None]:
    """The visitor's token, and the cookie to set when it is new (first visit, or a cookie that is not ours)."""
    current = request.cookies.get(COOKIE, "")
    if _TOKEN.fullmatch(current):
        return current, None
    new = secrets.token_urlsafe(32)
    return new, Cookie(key=COOKIE, value=new, path="/", httponly=True, samesite="lax", max_age=30 * 86400)


def valid(request: Request, submitted: str) -> bool:
    current = request.cookies.get(COOKIE, "")
    return bool(_TOKEN.fullmatch(current)) and hmac.compare_digest(current, submitted)
