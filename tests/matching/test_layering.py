"""matching is pure domain logic: it takes candidate services as plain data and imports nothing of ours but itself."""

import ast
import sys
from pathlib import Path

import matching


def test_matching_imports_nothing_of_the_web_or_the_database() -> None:
    allowed = {"matching", "msgspec", "yaml"} | set(sys.stdlib_module_names)
    for path in Path(matching.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert {name.split(".")[0] for name in names} <= allowed, (path.name, names)
