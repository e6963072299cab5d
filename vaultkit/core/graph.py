"""The vault as a networkx graph, and the numbers ``vaultkit graph --stats`` shows.

Nodes (every node has ``kind``, ``title``, ``path``, ``size``, ``tags``, ``aliases``):

- ``note``: id = vault path without ``.md`` (``Note.id``).
- ``unresolved`` (``include`` has ``"unresolved"``): id ``unresolved:<target>``,
  one node per target compared case-insensitively (as Obsidian's graph does),
  named after the first spelling met (notes in path order, links in line order).
- ``ambiguous`` (also with ``"unresolved"``): id ``ambiguous:<target>``, for a
  link that matches several files equally well.  Which one Obsidian opens is not
  defined, so vaultkit draws no edge to any candidate; the node lists them in
  ``candidates``.
- ``attachment`` (``"attachments"``): every attachment, linked or not (as in
  Obsidian's graph); id = the vault path with its extension
  (``attachment:<path>`` if a note already has that id).
- ``tag`` (``"tags"``): id ``tag:<name lowercased>``, title ``#<first spelling>``.

Notes matched by Obsidian's "Excluded files" (``userIgnoreFilters``) are left
out, as Obsidian's Graph view hides them, unless ``include`` has ``"ignored"``.
Links to them are dropped too: they still resolve, so they are not unresolved.

Edges: a DiGraph, one edge per (source, target) pair, with ``kind`` (the kind of
the first occurrence: ``link``, ``embed``, ``markdown``, or ``tag``), ``kinds``
(the distinct kinds), ``count`` (occurrences) and ``lines`` (1-based source
lines, one per occurrence).  ``[[#Heading]]`` is a self-edge, as in Obsidian.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import networkx as nx

from .gcpause import gc_paused
from .graph_include import INCLUDE_CHOICES, parse_include  # noqa: F401 - part of this module's API

LINK_KINDS = ("link", "embed", "markdown")

Progress = Callable[[int, int], None]


def _target_key(target: str) -> str:
    """How unresolved targets are grouped: case-insensitive, ``.md`` optional."""
    key = target.strip().casefold()
    return key[:-3] if key.endswith(".md") else key


def _file_title(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _distinct_tags(tags) -> list[str]:
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(tag.name.casefold(), tag.name)
    return list(seen.values())


def build_graph(
    vault: Any,
    include: Iterable[str] = frozenset(),
    *,
    progress: Progress | None = None,
    rows: dict[str, list[tuple]] | None = None,
) -> nx.DiGraph:
    """Build the link graph of ``vault`` (see the module docstring for its shape).

    ``progress(done, total)`` is called as notes are processed, for a front end's
    progress bar.  ``rows`` is :func:`link_rows` of every note of the graph, when
    they were computed elsewhere (a sharded load); by default they are computed
    here.
    """
    with gc_paused():
        return _build_graph(vault, frozenset(include), progress, rows)


def _build_graph(vault, include, progress, rows=None) -> nx.DiGraph:
    graph = nx.DiGraph()
    keep_ignored = "ignored" in include
    paths = sorted(
        path for path in vault.notes if keep_ignored or not vault.is_ignored(path)
    )
    node_of_path: dict[str, str] = {}
    for path in paths:
        note = vault.notes[path]
        node_of_path[path] = note.id
        graph.add_node(
            note.id,
            kind="note",
            title=note.title,
            path=note.path,
            size=note.size,
            tags=_distinct_tags(note.tags),
            aliases=list(note.aliases),
        )

    if "attachments" in include:
        # Obsidian's graph shows every attachment when asked, linked or not.
        for path in sorted(vault.attachments):
            if keep_ignored or not vault.is_ignored(path):
                _attachment_node(graph, path, vault.attachments[path])

    edges: list[tuple[str, str, dict]] = []
    append = edges.append
    node_of = node_of_path.get
    missing: dict[tuple[str, str], str] = {}  # (status, _target_key) -> node id (first spelling)
    with_tags = "tags" in include
    total = len(paths)
    for done, path in enumerate(paths, 1):
        source = node_of_path[path]
        grouped = rows[path] if rows is not None else link_rows(vault, vault.notes[path], with_tags)
        for status, target_text, target_path, candidates, attributes in grouped:
            # Most links reach a note of the graph: that case comes first.
            if status == "resolved" and (target := node_of(target_path)) is not None:
                pass
            elif status == "self":
                target = source
            elif status == "tag":
                target = "tag:" + target_text.casefold()
                if target not in graph:
                    graph.add_node(target, **_extra_node("tag", "#" + target_text))
            else:
                target = _other_target(vault, graph, target_text, status, target_path, candidates,
                                       include, missing)
                if target is None:
                    continue
            append((source, target, attributes))
        if progress is not None and (done % 200 == 0 or done == total):
            progress(done, total)
    _add_edges(graph, edges)
    return graph


def _add_edges(graph: nx.DiGraph, edges: list[tuple[str, str, dict]]) -> None:
    """``graph.add_edges_from(edges)`` for edges between nodes already in ``graph``.

    At 10k notes the graph has ~130k edges, and ``add_edges_from`` spends 0.25 s
    on checks this builder does not need (every endpoint is a node already, each
    (source, target) pair comes once).  A DiGraph is documented as a dict of
    dicts of edge-attribute dicts, the same dict reachable from both ends
    (``succ[u][v] is pred[v][u]``), which is what this fills in directly, in
    0.03 s; anything unexpected (a subclass, another networkx layout, a missing
    endpoint, a repeated pair) takes the public method, which defines the result
    (tests/test_graph_build.py holds the two side by side)."""
    succ = graph.__dict__.get("_succ")
    pred = graph.__dict__.get("_pred")
    if (
        type(graph) is not nx.DiGraph
        or type(succ) is not dict
        or type(pred) is not dict
        or graph.edge_attr_dict_factory is not dict
        or graph.adjlist_inner_dict_factory is not dict
    ):
        graph.add_edges_from(edges)
        return
    for index, (u, v, data) in enumerate(edges):
        out = succ.get(u)
        back = pred.get(v)
        if out is None or back is None or v in out:
            graph.add_edges_from(edges[index:])  # the general case from here on
            return
        out[v] = data
        back[u] = data
    cache = getattr(graph, "__networkx_cache__", None)
    if cache:
        cache.clear()  # as add_edges_from does: no cached view may outlive a change


def link_rows(vault, note, with_tags: bool = False) -> list[tuple]:
    """The graph's edges out of ``note``: its links (and, with ``with_tags``, its
    tags) grouped by where they go, in order of first occurrence.  Each is
    ``(status, target text, target path, candidates, attributes)``: ``status`` is
    ``resolved`` (the target path set, the text None), ``unresolved``,
    ``ambiguous``, ``self`` (``[[#Heading]]``) or ``tag`` (the text set, the path
    None); ``attributes`` is the edge's data as the graph holds it: ``kind``
    (the first occurrence's edge kind), ``kinds`` (every distinct one, sorted),
    ``count`` and ``lines`` (the 1-based line of each occurrence).  Target text
    and candidates are the first occurrence's.

    Links are grouped exactly as the graph merges them into one edge: by target
    note or attachment, by tag name and by unresolved target compared as
    Obsidian's graph does.  Plain strings, ints, tuples, lists and dicts, so that
    the worker processes of a sharded load (:mod:`vaultkit.core.shards`) can
    compute them where the notes are (the edge data is then built there too,
    not in the process that assembles the graph).
    """
    # The hot loop of a cold `vaultkit graph` (130k links at 10k notes), so the
    # grouping is written out here.  A resolved target's key is its path alone
    # (every other key is a tuple); [[#Heading]] uses the note's own path, which
    # makes it the same edge as [[Its own name]].
    grouped: dict = {}
    get = grouped.get
    resolve = vault.resolve
    source = note.path
    for link in note.links:
        line = link.span[0] + 1
        kind = "embed" if link.embed else "markdown" if link.kind == "markdown" else "link"  # Link.edge_kind
        target = link.target
        if not target:  # [[#Heading]] / [[#^block]]: a link to the note itself
            key = source
            entry = get(key)
            if entry is None:
                grouped[key] = ["self", None, None, (), kind, [kind], [line]]
                continue
        else:
            status, path, candidates = resolve(target, source)
            if status == "resolved":
                key = path
                entry = get(key)
                if entry is None:  # the target text is not needed: the path names the node
                    grouped[key] = [status, None, path, (), kind, [kind], [line]]
                    continue
            else:
                key = (status, _target_key(target))
                entry = get(key)
                if entry is None:
                    grouped[key] = [status, target, None, candidates if status == "ambiguous" else (),
                                    kind, [kind], [line]]
                    continue
        entry[6].append(line)
        if kind not in entry[5]:
            entry[5].append(kind)
    if with_tags:
        for tag in note.tags:
            key = ("tag", tag.name.casefold())
            line = tag.span[0] + 1
            entry = get(key)
            if entry is None:
                grouped[key] = ["tag", tag.name, None, (), "tag", ["tag"], [line]]
            else:
                entry[6].append(line)
    return [
        (status, target, path, candidates,
         {"kind": kind, "kinds": sorted(kinds) if len(kinds) > 1 else kinds, "count": len(lines), "lines": lines})
        for status, target, path, candidates, kind, kinds, lines in grouped.values()
    ]


def _extra_node(kind: str, title: str, path: str = "", size: int = 0, **more) -> dict:
    return dict(kind=kind, title=title, path=path, size=size, tags=[], aliases=[], **more)


def _attachment_node(graph: nx.DiGraph, path: str, size: int) -> str:
    node_id = path
    if graph.nodes.get(node_id, {}).get("kind") == "note":  # a note named "x.png.md"
        node_id = "attachment:" + path
    if node_id not in graph:
        graph.add_node(node_id, **_extra_node("attachment", _file_title(path), path, size))
    return node_id


def _other_target(vault, graph, target, status, target_path, candidates, include, missing):
    """The node for a link that does not reach a note of the graph (added if
    needed), or None when the graph leaves it out."""
    if status == "resolved":
        if target_path in vault.notes:  # an ignored note, left out of the graph
            return None
        if "attachments" not in include:
            return None
        return _attachment_node(graph, target_path, vault.attachments.get(target_path, 0))
    if "unresolved" not in include:
        return None
    key = (status, _target_key(target))
    node_id = missing.get(key)
    if node_id is None:
        if status == "ambiguous":
            node_id = "ambiguous:" + target
            attrs = _extra_node("ambiguous", target, candidates=sorted(candidates or ()))
        else:
            node_id = "unresolved:" + target
            attrs = _extra_node("unresolved", target)
        missing[key] = node_id
        graph.add_node(node_id, **attrs)
    return node_id


# ---------------------------------------------------------------- statistics


def _note_link_graph(graph: nx.DiGraph) -> nx.DiGraph:
    """Notes and the link edges between distinct notes (no self-loops, no tags)."""
    notes = [n for n, kind in graph.nodes(data="kind") if kind == "note"]
    links = nx.DiGraph()
    links.add_nodes_from(notes)
    links.add_edges_from(
        (u, v)
        for u, v, kind in graph.edges(data="kind")
        if u != v and kind != "tag" and graph.nodes[u].get("kind") == "note"
        and graph.nodes[v].get("kind") == "note"
    )
    return links


def graph_stats(graph: nx.DiGraph, top: int = 10) -> dict:
    """What ``--stats`` reports, as plain data (JSON-ready, deterministic order).

    - ``notes``: note nodes; ``links``: link occurrences (wikilinks, embeds,
      Markdown links; not tags) from notes to nodes of the graph: build it with
      ``unresolved`` and ``attachments`` to count every link written;
      ``resolved_links``: those that reach a note or an attachment.
    - ``unresolved``: targets ranked by how many links point at them, then by
      name, each with ``links`` and ``notes`` (distinct linking notes).  Needs a
      graph built with ``include={"unresolved"}``.
    - ``orphans``: notes with no link to or from another note (links to
      themselves, to tags and to unresolved targets don't count).
    - ``top_in_degree``: notes linked from the most other notes.
    - ``top_pagerank``: PageRank over notes and the links between them.
    - ``components``: weakly connected components of that note graph.
    """
    with gc_paused():
        return _graph_stats(graph, top)


def _graph_stats(graph: nx.DiGraph, top: int) -> dict:
    kind_of = dict(graph.nodes(data="kind"))
    links = resolved = 0
    unresolved: dict[str, dict] = {}
    for u, v, data in graph.edges(data=True):
        if data.get("kind") == "tag" or kind_of.get(u) != "note":
            continue
        count = data.get("count", 1)
        links += count
        target_kind = kind_of.get(v)
        if target_kind in ("note", "attachment"):
            resolved += count
        elif target_kind in ("unresolved", "ambiguous"):
            entry = unresolved.setdefault(
                v, {"id": v, "target": graph.nodes[v].get("title", v), "kind": target_kind,
                    "links": 0, "notes": 0}
            )
            entry["links"] += count
            entry["notes"] += 1
    note_links = _note_link_graph(graph)
    orphans = sorted(n for n in note_links if note_links.degree(n) == 0)
    in_degree = sorted(note_links.in_degree(), key=lambda item: (-item[1], item[0]))
    components = sorted(
        (len(c) for c in nx.weakly_connected_components(note_links)), reverse=True
    )
    stats = {
        "notes": note_links.number_of_nodes(),
        "links": links,
        "resolved_links": resolved,
        "unresolved_links": sum(e["links"] for e in unresolved.values()),
        "unresolved": sorted(unresolved.values(), key=lambda e: (-e["links"], e["target"].casefold(), e["id"])),
        "orphans": orphans,
        "top_in_degree": [
            {"id": node, "title": graph.nodes[node].get("title", node), "in_degree": degree}
            for node, degree in in_degree[:top]
            if degree > 0
        ],
        "top_pagerank": _top_pagerank(graph, note_links, top),
        "components": {
            "count": len(components),
            "largest": components[0] if components else 0,
            "sizes": components[:top],
        },
    }
    return stats


def _top_pagerank(graph: nx.DiGraph, note_links: nx.DiGraph, top: int) -> list[dict]:
    if note_links.number_of_nodes() == 0:
        return []
    try:
        ranks = nx.pagerank(note_links)
    except ImportError as exc:  # networkx computes PageRank with numpy and scipy
        from ..errors import VaultkitError

        name = exc.name or "scipy"
        raise VaultkitError(f"PageRank needs {name}, which is not installed (pip install {name})") from None
    ranked = sorted(ranks.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [
        {"id": node, "title": graph.nodes[node].get("title", node), "pagerank": round(rank, 6)}
        for node, rank in ranked
    ]
