"""GraphML, readable back with ``networkx.read_graphml`` (lists as JSON strings, see _flat)."""

from __future__ import annotations

from typing import TextIO

import networkx as nx

from ._flat import flat_copy


def write(graph: nx.DiGraph, out: TextIO) -> None:
    for line in nx.generate_graphml(flat_copy(graph), encoding="utf-8", prettyprint=True):
        out.write(line)
        out.write("\n")
