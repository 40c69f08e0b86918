#!/usr/bin/env python3
"""Fails when a module of src/ includes a header of a higher layer, or when src/ has an
include cycle. The layers, lowest first, are the folders listed in meson.build's `layers`;
a module may include its own layer's headers and those of the layers below."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
meson = (root / "meson.build").read_text()
layers = re.search(r"layers = \[([^\]]*)\]", meson).group(1)
order = [x.strip().strip("'") for x in layers.split(",") if x.strip()]
rank = {layer: i for i, layer in enumerate(order)}
home = {}
for layer in order:
    for f in (root / "src" / layer).glob("*.[ch]"):
        home[f.stem] = layer
problems = []
edges = {}
for layer in order:
    for f in sorted((root / "src" / layer).glob("*.[ch]")):
        for inc in re.findall(r'^#include "([a-z_0-9]+)\.h"', f.read_text(), re.M):
            if inc not in home:
                problems.append(f"{f.relative_to(root)}: includes {inc}.h, which no layer holds")
                continue
            if inc != f.stem:
                edges.setdefault(f.stem, set()).add(inc)
            if rank[home[inc]] > rank[layer]:
                problems.append(f"{f.relative_to(root)} ({layer}) includes {inc}.h ({home[inc]}): a higher layer")
for a, bs in edges.items():
    for b in bs:
        if a in edges.get(b, ()) and a < b:
            problems.append(f"include cycle: {a} <-> {b}")
if problems:
    print("layering problems:", *problems, sep="\n  ")
    sys.exit(1)
print(f"{len(home)} modules in {len(order)} layers ({', '.join(order)}): no upward include, no cycle")
