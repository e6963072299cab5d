"""d3-compatible node-link JSON: ``{"nodes": [{"id", ...}], "links": [{"source", "target", ...}]}``.

The same document is what ``networkx.node_link_graph(data, edges="links")``
reads back.  Built as plain lists and encoded in one call: at 10k notes this
is the hot path of ``vaultkit graph --format json``.  orjson encodes it ~5x
faster than the standard library (0.06 s against 0.31 s for the 22 MB of the
10k-note bench vault) and gives the same bytes for this document (compact
separators, non-ASCII kept, the same escapes); the standard library is the
fallback when orjson is missing or refuses a string (a lone surrogate from an
undecodable file name).
"""

from __future__ import annotations

import json
from typing import TextIO

import networkx as nx

from ..core.gcpause import gc_paused

try:
    import orjson
except ImportError:  # an optional speed-up: the output is the same without it
    orjson = None


def node_link(graph: nx.DiGraph) -> dict:
    return {
        "directed": True,
        "multigraph": False,
        "graph": {},
        "nodes": [{"id": node, **data} for node, data in graph.nodes.items()],
        # adjacency(): networkx's documented fastest walk over every edge (the
        # same order as graph.edges, a third faster than its view).
        "links": [
            {"source": u, "target": v, **data} for u, targets in graph.adjacency() for v, data in targets.items()
        ],
    }


def write(graph: nx.DiGraph, out: TextIO) -> None:
    with gc_paused():  # 140k small dicts at 10k notes: see gc_paused
        document = node_link(graph)
        data = None
        if orjson is not None:
            try:
                data = orjson.dumps(document)
            except TypeError:  # orjson.JSONEncodeError: a str holding a lone surrogate
                data = None
        if data is None:
            text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    if data is None:
        out.write(text)
        out.write("\n")
    else:
        _write_utf8(out, data + b"\n")


def _write_utf8(out: TextIO, data: bytes) -> None:
    """Write UTF-8 ``data`` to the text stream ``out``: straight to its binary
    buffer when it has one (no decoding and re-encoding of 20 MB), else as text."""
    buffer = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if buffer is not None and encoding == "utf8":
        out.flush()
        buffer.write(data)
        buffer.flush()
    else:
        out.write(data.decode("utf-8"))
