"""GEXF 1.2 (Gephi), readable back with ``networkx.read_gexf``.

Lists are JSON strings (see _flat): networkx would otherwise write a list as a
time-varying ("spells") attribute.  Each node's GEXF label is its title.
"""

from __future__ import annotations

from typing import TextIO

import networkx as nx

from ._flat import flat_copy


def write(graph: nx.DiGraph, out: TextIO) -> None:
    for line in nx.generate_gexf(flat_copy(graph, label=True), encoding="utf-8", prettyprint=True):
        out.write(line)
        out.write("\n")
