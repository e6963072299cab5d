"""Graph exporters: one module per format, each with ``write(graph, out)``.

``out`` is a text stream; every format is text (UTF-8 when written to a file).
"""

from __future__ import annotations

import importlib
from typing import TextIO

import networkx as nx

from ..core.gcpause import gc_paused

FORMATS = ("json", "graphml", "gexf", "dot", "mermaid", "html")


def export(graph: nx.DiGraph, fmt: str, out: TextIO) -> None:
    """Write ``graph`` to ``out`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f".{fmt}", __package__)
    with gc_paused():  # exports build many small strings and dicts: see gc_paused
        module.write(graph, out)
