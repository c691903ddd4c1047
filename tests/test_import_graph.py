"""The package's module-level imports form no cycle.

A cycle between modules makes the import order decide what works (a name half-defined when the
other module reads it) and ties files that should change independently. Imports inside
functions are deliberate deferrals and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import selforg

ROOT = Path(selforg.__file__).parent


def module_name(path: Path) -> str:
    parts = ["selforg", *path.relative_to(ROOT).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(base: str | None, level: int, here: str, is_package: bool) -> str:
    if level == 0:
        return base or ""
    package = here.split(".") if is_package else here.split(".")[:-1]
    package = package[: len(package) - (level - 1)]
    return ".".join(package + ([base] if base else []))


def module_imports(name: str, path: Path, known: set[str], *, deferred: bool = False) -> set[str]:
    """The selforg modules `name` imports at module level (top-level statements, including
    those under ``if``/``try`` at top level, not inside functions or classes); with
    `deferred`, the imports inside functions too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    if deferred:
        top = list(ast.walk(tree))
        tree = ast.Module(body=[n for n in top if isinstance(n, ast.Import | ast.ImportFrom)],
                          type_ignores=[])

    def visit(stmts: list[ast.stmt]) -> None:
        for node in stmts:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(node.module, node.level, name, path.name == "__init__.py")
                for alias in node.names:
                    # `from pkg import submodule` depends on the submodule (the package's
                    # __init__ is then already importing, or imported)
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in known else base)
            elif isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(node.orelse)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
                visit(getattr(node, "finalbody", []))
            elif isinstance(node, ast.With):
                visit(node.body)

    visit(tree.body)
    return {target for target in found if target in known and target != name}


def import_graph(*, deferred: bool = False) -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: module_imports(name, path, known, deferred=deferred)
            for name, path in mods.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as ``[a, b, ..., a]``, or None (iterative depth-first search)."""
    colour = dict.fromkeys(graph, 0)  # 0 new, 1 on the stack, 2 done
    for start in sorted(graph):
        if colour[start]:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        colour[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                colour[node] = 2
            elif colour[child] == 1:
                return path[path.index(child):] + [child]
            elif colour[child] == 0:
                colour[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_graph_sees_submodules_and_relative_imports(tmp_path):
    pkg = tmp_path / "selforg" / "x"
    pkg.mkdir(parents=True)
    (pkg / "a.py").write_text("from selforg.x import b\nfrom . import c\n"
                              "def f():\n    import selforg.x.d\n")
    known = {"selforg.x", "selforg.x.a", "selforg.x.b", "selforg.x.c", "selforg.x.d"}
    assert module_imports("selforg.x.a", pkg / "a.py", known) == {"selforg.x.b", "selforg.x.c"}
    assert "selforg.x.d" in module_imports("selforg.x.a", pkg / "a.py", known, deferred=True)
    (pkg / "e.py").write_text("from selforg.x import name_in_init\n")
    assert module_imports("selforg.x.e", pkg / "e.py", known) == {"selforg.x"}


def test_no_import_cycle_in_the_package():
    graph = import_graph()
    assert len(graph) > 20 and any(graph.values())  # it did read the package
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_nca_has_no_cycle_even_through_deferred_imports():
    # its trainers, store, rollouts and pictures once imported each other from inside
    # functions; the layers are now one-way
    graph = {m: {d for d in deps if d.startswith("selforg.nca.")}
             for m, deps in import_graph(deferred=True).items() if m.startswith("selforg.nca.")}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
