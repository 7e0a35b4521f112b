"""The shape of the code a newcomer walks (issue 14): modules per folder, the largest modules,
import cycles, and type errors.

    .venv/bin/python bench/code_layout.py [--no-mypy]

Cycles are strongly connected groups of modules in grimp's import graph, which counts imports
inside functions too (a lazy import that closes a loop is still a loop).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("services", "gateway", "infra")
SKIP = ("node_modules", "__pycache__", "static")


def modules_per_folder() -> list[tuple[int, str]]:
    counts = []
    for package in PACKAGES:
        for folder in [ROOT / package, *(ROOT / package).rglob("*")]:
            if not folder.is_dir() or any(part in SKIP for part in folder.parts):
                continue
            n = len(list(folder.glob("*.py")))
            if n:
                counts.append((n, str(folder.relative_to(ROOT))))
    return sorted(counts, reverse=True)


def largest_modules(top: int) -> list[tuple[int, str]]:
    sizes = [
        (len(path.read_text(encoding="utf-8").splitlines()), str(path.relative_to(ROOT)))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if not any(part in SKIP for part in path.parts)
    ]
    return sorted(sizes, reverse=True)[:top]


class _Tarjan:
    """Tarjan's strongly connected components of an import graph."""

    def __init__(self, graph: grimp.ImportGraph) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()
        self.found: list[list[str]] = []

    def visit(self, module: str) -> None:
        self.index[module] = self.low[module] = len(self.index)
        self.stack.append(module)
        self.on_stack.add(module)
        for imported in self.graph.find_modules_directly_imported_by(module):
            if imported not in self.index:
                self.visit(imported)
                self.low[module] = min(self.low[module], self.low[imported])
            elif imported in self.on_stack:
                self.low[module] = min(self.low[module], self.index[imported])
        if self.low[module] == self.index[module]:
            self._pop_group(module)

    def _pop_group(self, root: str) -> None:
        group = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            group.append(member)
            if member == root:
                break
        if len(group) > 1:
            self.found.append(sorted(group))


def cycles(package: str) -> list[list[str]]:
    """Groups of more than one module that import each other, directly or not."""
    graph = grimp.build_graph(package)
    tarjan = _Tarjan(graph)
    sys.setrecursionlimit(20_000)
    for module in sorted(graph.modules):
        if module not in tarjan.index:
            tarjan.visit(module)
    return tarjan.found


def type_errors() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    match = re.search(r"Found (\d+) errors? in (\d+) files?", last)
    return f"{match.group(1)} errors in {match.group(2)} files" if match else last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-mypy", action="store_true", help="skip the type checker")
    args = parser.parse_args()
    print("modules per folder (top 12):")
    for n, folder in modules_per_folder()[:12]:
        print(f"  {n:4d}  {folder}")
    print("largest modules (lines):")
    for n, path in largest_modules(5):
        print(f"  {n:5d}  {path}")
    for package in PACKAGES:
        found = cycles(package)
        print(f"import cycles in {package}: {len(found)}")
        for group in found:
            print("   ", " <-> ".join(group))
    if not args.no_mypy:
        print("type errors (mypy):", type_errors())


if __name__ == "__main__":
    main()
