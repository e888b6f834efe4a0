"""library/'s parts import one way, with no cycles, counting imports inside functions too.

The order (docs/ARCHITECTURE.md): a part may import only the parts before it. A lazy import
(inside a function) counts: it hides a cycle from Python but not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[2] / "library"
ORDER = ["model", "store", "files", "analysis", "listening", "browse", "recommend", "mpd"]


def _modules() -> dict[str, Path]:
    found = {}
    for path in LIBRARY.rglob("*.py"):
        parts = list(path.relative_to(LIBRARY.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found["soundalike." + ".".join(parts)] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ours that *path* imports, at module level or inside functions."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        out.update(n for n in names if n in modules)
    return out


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else None


def test_the_parts_import_only_the_parts_before_them():
    modules = _modules()
    assert {_part(m) for m in modules} - {None} == set(ORDER)
    wrong = []
    for module, path in modules.items():
        src = _part(module)
        for dep in _imports(path, modules):
            dst = _part(dep)
            if src and dst and src != dst and ORDER.index(dst) > ORDER.index(src):
                wrong.append(f"{module} imports {dep}")
    assert not wrong, wrong


def test_no_module_of_the_library_takes_part_in_an_import_cycle():
    modules = _modules()
    graph = {m: {d for d in _imports(p, modules) if d != m
                 and not m.startswith(d + ".")}  # a module importing its own package
             for m, p in modules.items()}
    cycles = []
    for start in modules:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(" → ".join(trail + [nxt]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + [nxt]))
    assert not cycles, cycles
