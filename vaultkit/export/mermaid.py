"""A Mermaid ``graph LR`` flowchart, for pasting into Obsidian or GitHub Markdown.

Mermaid ids must be plain words (and ``end`` is a keyword), so nodes get
generated ids ``n0``, ``n1``, ... and their titles go in quoted labels, with
the characters Mermaid would read as syntax written as entity codes.
Embeds are thick arrows, tags dotted; unresolved targets get a dashed class.
Mermaid renderers slow down past a few hundred nodes: this format is for
small vaults or filtered graphs.
"""

from __future__ import annotations

from typing import TextIO

import networkx as nx

_ENTITIES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "\n": " "}
_ENTITIES.update({chr(c): "" for c in (*range(0x0A), *range(0x0B, 0x20), 0x7F)})
_ARROW = {"embed": "==>", "tag": "-.->"}
_CLASSES = {
    "unresolved": "fill:#fff,stroke:#999,stroke-dasharray:4 3,color:#777",
    "ambiguous": "fill:#fff,stroke:#e08a00,stroke-dasharray:4 3,color:#b36b00",
    "attachment": "fill:#e8f1fb,stroke:#4682b4",
    "tag": "fill:#e9f7ef,stroke:#2e8b57,color:#2e8b57",
}


def label(text: object) -> str:
    """A Mermaid quoted label for ``text``."""
    return '"' + "".join(_ENTITIES.get(ch, ch) for ch in str(text)) + '"'


def write(graph: nx.DiGraph, out: TextIO) -> None:
    out.write("graph LR\n")
    ids: dict[object, str] = {}
    by_class: dict[str, list[str]] = {}
    for index, (node, data) in enumerate(graph.nodes(data=True)):
        ids[node] = mid = f"n{index}"
        out.write(f"  {mid}[{label(data.get('title') or node)}]\n")
        kind = data.get("kind", "note")
        if kind in _CLASSES:
            by_class.setdefault(kind, []).append(mid)
    for u, v, data in graph.edges(data=True):
        arrow = _ARROW.get(data.get("kind", "link"), "-->")
        count = data.get("count", 1)
        middle = f"{arrow}|{count}|" if count > 1 else arrow
        out.write(f"  {ids[u]} {middle} {ids[v]}\n")
    for kind, members in by_class.items():
        out.write(f"  classDef {kind} {_CLASSES[kind]}\n")
        out.write(f"  class {','.join(members)} {kind}\n")
