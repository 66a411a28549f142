"""The web shell: every message of the pages has a Spanish translation, the visitor's language is chosen as
documented, and the help lines file is checked."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from waypost.web import help_lines, i18n

ROOT = Path(__file__).resolve().parents[1]
# Packages whose pages use the shared catalog (add a package here when it gets templates).
PACKAGES = ("waypost", "directory", "referrals")
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _messages() -> set[str]:
    found = set()
    for package in PACKAGES:
        for _, _, message, _, _ in extract_from_dir(ROOT / package, METHODS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_of_the_pages_has_a_spanish_translation() -> None:
    with (i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file)
    translated = {message.id[0] if isinstance(message.id, tuple) else message.id: message for message in catalog}
    missing = sorted(_messages() - set(translated))
    assert missing == [], "extract and translate these (docs/architecture.md, Web shell and pages)"
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, message.id
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(source)), message.id


def test_the_spanish_catalog_is_compiled_without_a_build_step() -> None:
    assert i18n.translations("es").gettext("Find help near you") == "Encuentre ayuda cerca de usted"
    assert i18n.translations("en").gettext("Find help near you") == "Find help near you"


@pytest.mark.parametrize(
    ("asked", "remembered", "header", "language"),
    [
        ("es", "en", "en", "es"),
        (None, "es", "en-US", "es"),
        ("klingon", None, "es-MX,es;q=0.9,en;q=0.8", "es"),
        (None, None, "fr-CA, fr;q=0.9, es;q=0.5, en;q=0.4", "es"),
        (None, None, "es;q=0, en", "en"),
        (None, None, "de", "en"),
        (None, None, ";;q=x,", "en"),
        (None, None, None, "en"),
    ],
)
def test_the_visitors_language(asked: str | None, remembered: str | None, header: str | None, language: str) -> None:
    assert i18n.choose(asked, remembered, header) == language


def test_language_names_are_given_in_the_page_language() -> None:
    assert i18n.language_name("vi", "en") == "Vietnamese"
    assert i18n.language_name("vi", "es") == "vietnamita"
    assert i18n.language_name("ase", "es") == "lengua de señas americana"
    assert i18n.language_name("chk", "en") == "Chuukese"


def test_help_lines_are_checked_with_the_entry_named(tmp_path: Path) -> None:
    path = tmp_path / "help_lines.yaml"
    path.write_text("crisis:\n  - number: call us\n    name: {en: Crisis, es: Crisis}\nother: []\n")
    with pytest.raises(help_lines.HelpLinesError, match=r"crisis\[0\]: number must be a phone number"):
        help_lines.load(path)
    path.write_text("crisis:\n  - number: '988'\n    name: {en: Crisis}\nother: []\n")
    with pytest.raises(help_lines.HelpLinesError, match=r"crisis\[0\]: name needs both"):
        help_lines.load(path)


def test_the_regions_help_lines_dial_as_written() -> None:
    lines = help_lines.load()
    assert [line.number for line in lines.crisis] == ["988", "911", "503-988-4888", "360-696-9560"]
    assert [line.tel for line in lines.crisis] == ["988", "911", "+15039884888", "+13606969560"]
