"""English and Spanish: which one a visitor reads, the translated messages, and dates, times and names in it.

Messages are gettext catalogs, ``locale/<language>/LC_MESSAGES/messages.po``, whose message ids are the English text.
They are compiled in memory the first time a language is used, so that a fresh clone runs without a build step.
A visitor's language is, in order: ``?lang=`` in the address (then remembered in a cookie), the remembered choice,
the browser's ``Accept-Language``, English.
"""

import gettext
import re
from datetime import date, datetime, time
from functools import cache
from io import BytesIO
from pathlib import Path

import pycountry
from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("en", "es")
DEFAULT = "en"
COOKIE = "lang"
LOCALE_DIR = Path(__file__).parent / "locale"
# Formats as used in the United States in either language: miles, "5:30 p.m.", month before day in English.
LOCALES = {"en": "en_US", "es": "es_US"}
KM_PER_MILE = 1.609344
# Names that Babel's locale data lacks for languages the demo region's services offer.
EXTRA_LANGUAGE_NAMES = {
    ("es", "ase"): "lengua de señas americana",
    ("en", "mam"): "Mam",
    ("es", "mam"): "mam",
}
_ACCEPT_ITEM = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs where it is written; it is translated where it is shown."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The messages of ``language`` (English is the source text, so it needs no catalog)."""
    if language == DEFAULT:
        return gettext.NullTranslations()
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: a doubtful translation shows the English instead
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def choose(asked: str | None, remembered: str | None, accept_language: str | None) -> str:
    """The visitor's language from ``?lang=``, the remembered cookie and the ``Accept-Language`` header."""
    for candidate in (asked, remembered):
        if candidate in LANGUAGES:
            return candidate
    return next((language for language in accepted(accept_language or "") if language in LANGUAGES), DEFAULT)


def accepted(header: str) -> list[str]:
    """The primary language tags of an ``Accept-Language`` header, most wanted first (q=0 means "not this")."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        match = _ACCEPT_ITEM.match(item)
        if match is None:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) is not None else 1.0
        except ValueError:
            continue
        if quality > 0:
            ranked.append((-quality, position, match.group(1).lower()))
    return [tag for _, _, tag in sorted(ranked)]


def language_name(code: str, language: str) -> str:
    """What a language is called in ``language``: ``es`` is "Spanish" in English and "español" in Spanish."""
    name = Locale.parse(LOCALES[language]).languages.get(code) or EXTRA_LANGUAGE_NAMES.get((language, code))
    if name:
        return str(name)
    found = pycountry.languages.get(alpha_3=code) if len(code) == 3 else pycountry.languages.get(alpha_2=code)
    return str(found.name) if found is not None else code


def day(value: date, language: str, format: str = "EEEE") -> str:
    return format_date(value, format, locale=LOCALES[language])


def long_date(value: date, language: str) -> str:
    return format_date(value, "long", locale=LOCALES[language])


def clock(value: time, language: str) -> str:
    return format_time(value, "short", locale=LOCALES[language])


def moment(value: datetime, language: str) -> str:
    """A day and time for "opens ..." (e.g. "Tue 10:00 AM"), in the zone ``value`` carries."""
    return format_datetime(value, "EEE h:mm a", tzinfo=value.tzinfo, locale=LOCALES[language])


def miles(km: float, language: str) -> str:
    distance = km / KM_PER_MILE
    return format_decimal(distance, "0.0" if distance < 10 else "0", locale=LOCALES[language])
