"""The YAML data files of matching (instrument definitions, the needs rules): read, convert to Structs, check.

Each file kind has its own error class (a ``ValueError``); every message names the file, then the entry and field
("question 44250-9: options[1]: code: ..."), so a non-programmer editing the file can find what to fix.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import yaml

T = TypeVar("T")


class Problem(Exception):
    """A rule of a file's contents is broken: where (an entry and field, or nothing for the whole file) and why."""

    def __init__(self, place: str, message: str) -> None:
        super().__init__(f"{place}: {message}" if place else message)


def read(
    path: Path,
    struct: type[T],
    error: type[ValueError],
    entry_names: dict[str, str],
    shape: str,
    check: Callable[[T], None],
) -> T:
    """The file at ``path`` as ``struct``, checked by ``check`` (which raises ``Problem``); anything wrong is raised
    as ``error``. ``shape`` says what the file must hold, for a file that is not a mapping at all."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as failure:
        raise error(f"{path}: {failure}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: the file must {shape}")
    try:
        parsed = msgspec.convert(data, struct)
    except msgspec.ValidationError as failure:
        raise error(f"{path}: {located(str(failure), data, entry_names)}") from None
    try:
        check(parsed)
    except Problem as problem:
        raise error(f"{path}: {problem}") from None
    return parsed


def located(message: str, data: Any, entry_names: dict[str, str]) -> str:
    """A msgspec error with its ``$.questions[3].options[1]`` path told as ``question X: option Y``.

    ``entry_names`` names the entries of each list key (``questions`` -> ``question``); an entry is called by its
    ``code`` (or ``domain``), or by its position when it has neither."""
    found = re.match(r"^(.*) - at `\$(.*)`$", message)
    if not found:
        return message
    text, path = found.groups()
    places: list[str] = []
    node, key = data, ""
    for name, index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        if name:
            key = name
            places.append(name)
            node = node.get(name) if isinstance(node, dict) else None
            continue
        node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        ident = (node.get("code") or node.get("domain")) if isinstance(node, dict) else None
        named = key in entry_names and isinstance(ident, str) and ident
        places[-1] = f"{entry_names[key]} {ident}" if named else f"{key}[{index}]"
    return f"{': '.join(places)}: {text}" if places else text
