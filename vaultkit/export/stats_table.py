"""``vaultkit graph --stats`` as tables (rich); the data comes from core.graph.graph_stats."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table


def print_stats(stats: dict, out: TextIO, top: int = 10) -> None:
    console = Console(file=out, highlight=False, soft_wrap=False)
    comp = stats["components"]
    summary = Table(title="Vault graph", show_header=False, title_justify="left")
    summary.add_column("what")
    summary.add_column("count", justify="right")
    summary.add_row("Notes", str(stats["notes"]))
    summary.add_row("Links", str(stats["links"]))
    summary.add_row("  resolved", str(stats["resolved_links"]))
    summary.add_row("  unresolved", str(stats["unresolved_links"]))
    summary.add_row("Unresolved targets", str(len(stats["unresolved"])))
    summary.add_row("Orphan notes", str(len(stats["orphans"])))
    summary.add_row("Connected components", str(comp["count"]))
    summary.add_row("  largest", f"{comp['largest']} notes")
    console.print(summary)

    if stats["unresolved"]:
        table = Table(title="Unresolved targets", title_justify="left")
        for name, justify in (("#", "right"), ("target", "left"), ("links", "right"), ("from notes", "right")):
            table.add_column(name, justify=justify)
        for rank, entry in enumerate(stats["unresolved"][:top], 1):
            target = entry["target"] + (" (ambiguous)" if entry["kind"] == "ambiguous" else "")
            table.add_row(str(rank), target, str(entry["links"]), str(entry["notes"]))
        console.print(table)
        _more(console, len(stats["unresolved"]) - top, "unresolved targets", "--format json")

    for key, title, column, fmt in (
        ("top_in_degree", "Most linked notes", "linked from", str),
        ("top_pagerank", "PageRank", "pagerank", lambda v: f"{v:.4f}"),
    ):
        rows = stats[key]
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("note")
        table.add_column(column, justify="right")
        value_key = "in_degree" if key == "top_in_degree" else "pagerank"
        for rank, row in enumerate(rows, 1):
            table.add_row(str(rank), row["id"], fmt(row[value_key]))
        console.print(table)

    if stats["orphans"]:
        table = Table(title="Orphans", title_justify="left")
        table.add_column("note")
        for note in stats["orphans"][:top]:
            table.add_row(note)
        console.print(table)
        _more(console, len(stats["orphans"]) - top, "orphans", "--format json")


def _more(console: Console, hidden: int, what: str, how: str) -> None:
    if hidden > 0:
        console.print(f"… and {hidden} more {what} (all of them with {how})")
