"""The phone lines every public page shows: crisis lines at the top of each page, and other help lines where a
search finds nothing. They are the region's data, in ``seed_data/help_lines.yaml``, checked when first read."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

HELP_LINES_FILE = Path(__file__).resolve().parents[2] / "seed_data" / "help_lines.yaml"
_DIALABLE = re.compile(r"[0-9][0-9 ()-]*")


class HelpLinesError(ValueError):
    pass


def dialable(number: str) -> str:
    """A phone number for a ``tel:`` link: its digits, with the US country code when it is a full
    10-digit number ("503-988-4888" is "+15039884888"; "988" stays "988")."""
    digits = re.sub(r"\D", "", number)
    return f"+1{digits}" if len(digits) == 10 else digits


@dataclass(frozen=True)
class HelpLine:
    number: str  # as people read it: "503-988-4888"
    name: dict[str, str]  # by language: the words shown before the number

    @property
    def tel(self) -> str:
        return dialable(self.number)


@dataclass(frozen=True)
class HelpLines:
    crisis: tuple[HelpLine, ...]
    other: tuple[HelpLine, ...]


@cache
def load(path: Path = HELP_LINES_FILE) -> HelpLines:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise HelpLinesError(f"{path}: {error}") from None
    groups = {group: _lines(path, group, data.get(group)) for group in ("crisis", "other")}
    if not groups["crisis"]:
        raise HelpLinesError(f"{path}: crisis needs at least one line: every page shows them")
    return HelpLines(**groups)


def _lines(path: Path, group: str, entries: object) -> tuple[HelpLine, ...]:
    if not isinstance(entries, list):
        raise HelpLinesError(f"{path}: {group} must be a list of lines")
    lines = []
    for index, entry in enumerate(entries):
        where = f"{path}: {group}[{index}]"
        number = str(entry.get("number") or "") if isinstance(entry, dict) else ""
        if not _DIALABLE.fullmatch(number):
            raise HelpLinesError(f"{where}: number must be a phone number, such as 503-988-4888")
        name = entry.get("name")
        if not isinstance(name, dict) or not name.get("en") or not name.get("es"):
            raise HelpLinesError(f"{where}: name needs both an English (en) and a Spanish (es) text")
        lines.append(HelpLine(number, {"en": str(name["en"]), "es": str(name["es"])}))
    return tuple(lines)
