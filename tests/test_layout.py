"""The shape of ``webapp``: one subpackage per concern, and no cycle between them, so each can
be read (and changed) with only what it depends on in mind."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "webapp"
# The modules at the top that every concern may use; they import no concern themselves.
SHARED_MODULES = {"config", "db"}


def unit_of(module: str) -> str:
    """``webapp.live.hub`` -> ``live``; a module at the top is a unit of its own."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "webapp"


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imported_modules(path: Path) -> set[str]:
    """Every ``webapp`` module that ``path`` imports, relative imports resolved."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            target = ".".join(part for part in (base, node.module or "") if part)
            if node.module is None:  # from .. import a, b: names of modules, or of objects
                found |= {
                    f"{target}.{alias.name}" if is_module(f"{target}.{alias.name}") else target
                    for alias in node.names
                }
            else:
                found.add(target)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name == "webapp" or name.startswith("webapp.")}


#: The app factory (``app.py``, which imports every concern) and the package's entry to it.
FACTORY = {PACKAGE / "__init__.py", PACKAGE / "app.py"}


def dependencies() -> dict[str, set[str]]:
    """Unit -> the other units it imports (the factory left out)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path in FACTORY:
            continue
        unit = unit_of(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        targets = {unit_of(name) for name in imported_modules(path)}
        graph.setdefault(unit, set()).update(targets - {unit})
    return graph


def test_every_concern_is_a_documented_subpackage():
    modules_at_top = sorted(path.stem for path in PACKAGE.glob("*.py"))
    assert modules_at_top == ["__init__", "__main__", "app", "cli", "config", "db"]
    for package in (path for path in PACKAGE.iterdir() if (path / "__init__.py").exists()):
        assert ast.get_docstring(ast.parse((package / "__init__.py").read_text())), package.name


def test_the_concerns_import_each_other_without_a_cycle():
    graph = dependencies()

    def visit(unit: str, path: tuple[str, ...]) -> None:
        for target in graph.get(unit, ()):
            if target in path:
                pytest.fail(f"import cycle: {' -> '.join(path + (target,))}")
            visit(target, path + (target,))

    for unit in graph:
        visit(unit, (unit,))


def test_no_concern_imports_the_app_factory_and_shared_modules_import_no_concern():
    graph = dependencies()
    importers = {unit for unit, targets in graph.items() if targets & {"webapp", "app"}}
    assert importers == {"cli"}  # the command serves the app the factory builds
    for shared in SHARED_MODULES:
        assert graph.get(shared, set()) <= SHARED_MODULES, shared
