#!/usr/bin/env python3
"""Checks that no two source files of the kit depend on each other.

    scripts/check-cycles.py BUILD_DIR

A file is a .c file with its header ("core/x.h" is core/x.c's). It depends
on another when it includes the other's header or calls a function, or
reads an object, that the other defines (from the object files' symbol
tables, `nm`). A header with no .c of its own (a module's x_priv.h, a
table) is not a file here: what goes through it is seen as calls. A
module's public header x.h declares the types of all its files (x.c, and
each file named x_*.c or including x_priv.h): a file of the module
including it depends on nothing by that. The kit's folders
(core, mock_server, harness, reports, examples) are read; tests are not.
Prints every cycle (a set of files that reach each other) and exits 1 when
there is one, 0 otherwise.
"""
import collections
import os
import re
import subprocess
import sys

FOLDERS = ("core", "mock_server", "harness", "reports", "examples")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(root):
    """Source files (relative, without extension) -> list of their paths."""
    out = collections.defaultdict(list)
    for folder in FOLDERS:
        for dirpath, _, names in os.walk(os.path.join(root, folder)):
            for name in names:
                if name.endswith((".c", ".h")):
                    path = os.path.relpath(os.path.join(dirpath, name), root)
                    out[path.rsplit(".", 1)[0]].append(path)
    return {unit: paths for unit, paths in out.items() if unit + ".c" in paths}


def include_edges(root, units):
    edges = collections.defaultdict(set)
    for unit, paths in units.items():
        included = set()
        for path in paths:
            with open(os.path.join(root, path), encoding="utf-8") as f:
                included |= {inc.rsplit(".", 1)[0] for inc in INCLUDE.findall(f.read())}
        modules = {inc[: -len("_priv")] for inc in included if inc.endswith("_priv")}
        for other in included:
            if other == unit or other not in units or unit.startswith(other + "_"):
                continue
            if other in modules:
                continue
            edges[unit].add(other)
    return edges


def object_units(build, units):
    """Object file -> its unit, for the kit's own objects."""
    out = {}
    for dirpath, _, names in os.walk(build):
        if "/tests" in dirpath or "CMakeFiles" not in dirpath:
            continue
        for name in names:
            if not name.endswith(".c.o"):
                continue
            path = os.path.join(dirpath, name)
            # BUILD/<folder>/CMakeFiles/<target>.dir/<file>.c.o
            folder = os.path.relpath(dirpath, build).split("/CMakeFiles/", 1)[0]
            rel = folder + "/" + path.split(".dir/", 1)[-1][: -len(".c.o")]
            if rel in units:
                out.setdefault(rel, []).append(path)
    return out


def call_edges(objects):
    defined = {}
    wanted = collections.defaultdict(set)
    for unit, paths in objects.items():
        for path in paths:
            nm = subprocess.run(["nm", path], capture_output=True, text=True, check=True)
            for line in nm.stdout.splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in "TDRB":
                    defined[parts[2]] = unit
                elif len(parts) == 2 and parts[0] == "U":
                    wanted[unit].add(parts[1])
    edges = collections.defaultdict(set)
    for unit, symbols in wanted.items():
        for sym in symbols:
            other = defined.get(sym)
            if other is not None and other != unit:
                edges[unit].add(other)
    return edges


def cycles(edges, nodes):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check-cycles.py BUILD_DIR")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    units = sources(root)
    objects = object_units(sys.argv[1], units)
    if not objects:
        sys.exit(f"check-cycles: no object files of the kit under {sys.argv[1]}: build it first")
    edges = include_edges(root, units)
    for unit, others in call_edges(objects).items():
        edges[unit] |= others
    found = cycles(edges, units.keys())
    for comp in found:
        print("cycle: " + " <-> ".join(comp))
        for a in comp:
            print("  " + a + " -> " + ", ".join(sorted(b for b in edges[a] if b in comp)))
    print(f"check-cycles: {len(units)} files, {sum(len(v) for v in edges.values())} "
          f"dependencies, {len(found)} cycles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
