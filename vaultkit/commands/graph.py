"""``vaultkit graph``: export the vault's link graph, or print its statistics."""

from __future__ import annotations

import gc
import json
import sys
from contextlib import ExitStack
from pathlib import Path

from ..errors import UsageError
from ._progress import LazyProgress

FORMATS = ("json", "graphml", "gexf", "dot", "mermaid", "html")
# Unresolved targets are part of the graph unless --include says otherwise.
DEFAULT_INCLUDE = "unresolved"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "graph",
        help="export the link graph (json, graphml, gexf, dot, mermaid, html) or its statistics",
        description="Build the graph of the vault's notes and links and write it in one format, "
        "or with --stats summarise it: orphans, unresolved targets, most-linked notes, PageRank, "
        "connected components.",
    )
    parser.add_argument("vault", nargs="?", default=".", metavar="VAULT",
                        help="the vault's root folder (default: the current folder)")
    parser.add_argument("--format", "-f", choices=FORMATS, default=None,
                        help="output format (default json; with --stats, a table unless json)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument(
        "--include", metavar="KINDS", default=None,
        help="comma-separated extra node kinds: unresolved, attachments, tags, ignored "
        f"(default: {DEFAULT_INCLUDE}; 'none' for notes only)",
    )
    parser.add_argument("--stats", action="store_true",
                        help="print statistics instead of the graph (a table; JSON with --format json)")
    parser.add_argument("--top", type=int, default=10, metavar="N",
                        help="how many notes the --stats rankings show (default 10)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="worker processes for parsing a large vault (default: CPUs; 1: none)")
    parser.set_defaults(handler=run)


def _include(text: str | None) -> frozenset[str]:
    from ..core.graph_include import parse_include

    if text is None:
        text = DEFAULT_INCLUDE
    if text.strip().lower() == "none":
        return frozenset()
    try:
        return parse_include(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run(args) -> int:
    from ..core.gcpause import gc_paused

    # One pause for the whole command rather than one per phase: every phase
    # builds hundreds of thousands of small acyclic objects, and re-enabling the
    # collector in between makes its next full collection walk all of them
    # (0.1 s each time at 10k notes).  The process exits soon after.
    with gc_paused():
        code = _run(args)
        # Everything built so far lives until the exit: keep it out of the
        # collection that re-enabling the collector starts (0.15 s at 10k notes).
        gc.freeze()
    return code


def _run(args) -> int:
    include = _include(args.include)
    if args.stats and args.format not in (None, "json"):
        raise UsageError("--stats prints a table, or JSON with --format json; "
                         f"it cannot be written as {args.format}")
    if args.top < 1:
        raise UsageError("--top must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    root = Path(args.vault)

    from ..config import ConfigError, load_config
    from ..core.vault import load_vault
    from ._load import open_vault, sharded_or_none

    if not root.is_dir():
        raise UsageError(f"{args.vault}: no such folder" if not root.exists()
                         else f"{args.vault}: not a folder (give the vault's root folder)")
    try:
        config = load_config(root)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None

    if args.stats:
        # Every link counts in the totals, and unresolved targets are ranked.
        include |= {"unresolved", "attachments"}
    with_tags = "tags" in include
    progress = LazyProgress()
    with ExitStack() as stack:
        try:
            # networkx is imported while the workers parse (it takes a while).
            vault, sharded = open_vault(root, config, use_cache=True, jobs=args.jobs,
                                        progress=progress.task("Reading notes"), link_tags=with_tags,
                                        meanwhile=_import_graph)
            rows = None
            if sharded is not None:
                stack.enter_context(sharded)
                rows = sharded_or_none(lambda s: s.link_rows(list(vault.notes), with_tags), sharded)
                if rows is None:
                    vault = load_vault(root, config=config, use_cache=True, jobs=args.jobs)
                else:
                    sharded.save_cache()  # written by the workers while this process goes on
            from ..core.graph import build_graph, graph_stats

            graph = build_graph(vault, include, progress=progress.task("Building graph"), rows=rows)
            graph.graph["name"] = root.resolve().name or str(root)
            if args.stats:
                stats = graph_stats(graph, top=args.top)
        finally:
            progress.close()
        _write(args, vault, graph, stats if args.stats else None)
    from ..cli import keep_until_exit

    keep_until_exit(vault, graph, rows)
    return 0


def _import_graph() -> None:
    import vaultkit.core.graph  # noqa: F401


def _write(args, vault, graph, stats) -> None:
    for problem in vault.problems:
        where = problem.path
        if problem.span.line or problem.span.col:
            where += f":{problem.span.line + 1}:{problem.span.col + 1}"
        print(f"vaultkit: {where}: {problem.message}", file=sys.stderr)

    with _open_output(args.output) as out:
        if args.stats and args.format == "json":
            json.dump(stats, out, ensure_ascii=False, indent=2)
            out.write("\n")
        elif args.stats:
            from ..export.stats_table import print_stats

            print_stats(stats, out, top=args.top)
        else:
            from ..export import export

            export(graph, args.format or "json", out)


class _open_output:
    """The -o file (UTF-8, '\\n' newlines) or stdout, as a context manager."""

    def __init__(self, path: str | None):
        self.path = path
        self.file = None

    def __enter__(self):
        if self.path is None or self.path == "-":
            try:
                sys.stdout.reconfigure(encoding="utf-8")
            except (AttributeError, ValueError):
                pass
            return sys.stdout
        try:
            self.file = open(self.path, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise UsageError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return self.file

    def __exit__(self, *exc_info):
        if self.file is not None:
            self.file.close()
        return False
