"""The package's shape: no import cycles, no module over 500 lines of code.

Both are read from the source text (no module is imported), so an import inside a function or
under `TYPE_CHECKING` counts like any other: it is a cycle all the same, only a hidden one.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "tensorboard_exr"
PACKAGE = PACKAGE_DIR.name
MAX_LINES_OF_CODE = 500


def _module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(PACKAGE_DIR).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def _imported_modules(name: str, source: str, is_package: bool = False) -> set[str]:
    """The package's modules that module `name` imports anywhere in `source`."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from package import module` imports the module; `from module import name` the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names
            ]
        else:
            continue
        found.update(target for target in targets if target in MODULES and target != name)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` as a list of modules (first == last), or None."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                return [*path[path.index(imported) :], imported]
            if imported not in state and (found := visit(imported, [*path, imported])):
                return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return None


def lines_of_code(source: str) -> int:
    """Lines holding code: blank lines, comments and docstrings (any bare string statement) aside."""
    docstring_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            docstring_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    code_lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in ignored and token.type != tokenize.ENDMARKER:
            code_lines.update(line for line in range(token.start[0], token.end[0] + 1))
    return len(code_lines - docstring_lines)


def test_the_package_has_no_import_cycle() -> None:
    graph = {
        name: _imported_modules(name, path.read_text(), path.name == "__init__.py")
        for name, path in MODULES.items()
    }
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph) or [])}"


def test_imports_in_functions_and_under_type_checking_count() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from tensorboard_exr.plugin import ExrPlugin\n"
        "def f():\n    from tensorboard_exr import metadata\n    from . import summary\n"
    )
    found = _imported_modules("tensorboard_exr.compare_routes", source)
    assert found == {"tensorboard_exr.plugin", "tensorboard_exr.metadata", "tensorboard_exr.summary"}


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_lines_of_code_leave_out_blank_lines_comments_and_docstrings() -> None:
    source = (
        '"""Module.\n\nMore."""\n\n# why\nx = 1  # note\n\n\n'
        'def f():\n    """Doc."""\n    return (\n        x\n    )\n'
    )
    assert lines_of_code(source) == 5  # x = 1, def, return (, x, )


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_500_lines_of_code(name: str) -> None:
    count = lines_of_code(MODULES[name].read_text())
    assert count <= MAX_LINES_OF_CODE, (
        f"{MODULES[name].relative_to(PACKAGE_DIR.parent)}: {count} lines of code"
    )
