"""Accuracy of VK201 (unknown-api-name) on a labelled corpus of torch references.

    python bench/api_accuracy/run.py [--json] [--show-misses]

``corpus.tsv`` holds one reference per row, written the way notes write
them (prose, inline code, code blocks): real names, including unusual ones
and placeholders, and misspelt ones labelled with the name that was meant
and the kind of mistake (case, transposition, missing, doubled, namespace,
plural, substitution, placeholder).  The script writes every row into one
note of a temporary vault, runs the real parser and the VK2 checker, and
reports precision and recall of VK201 and top-1 suggestion accuracy.
Targets (issue 4): precision >= 0.98, recall >= 0.95, top-1 >= 0.9; the exit
status is 1 when one is missed.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

TARGETS = {"precision": 0.98, "recall": 0.95, "top1": 0.9}
CODE_PRELUDE = (
    "import torch",
    "import torch.nn as nn",
    "import torch.nn.functional as F",
    "import torch.optim as optim",
)


def read_corpus(path: Path) -> list[dict]:
    rows = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        label, context, reference, expected, category, line = raw.split("\t")
        rows.append(dict(n=number, label=label, context=context, reference=reference,
                         expected=expected, category=category, line=line))
    return rows


def write_note(rows: list[dict]) -> tuple[str, dict[int, dict]]:
    """The note text and, for each row, the note line its reference is on."""
    out: list[str] = ["# API name corpus", ""]
    at: dict[int, dict] = {}
    for row in rows:
        if row["context"] == "code":
            out.append("```python")
            out.extend(CODE_PRELUDE)
            at[len(out)] = row
            out.append(row["line"])
            out.append("```")
        else:
            at[len(out)] = row
            out.append(row["line"])
        out.append("")
    return "\n".join(out) + "\n", at


def measure(rows: list[dict]) -> dict:
    from vaultkit.apiindex import load_index
    from vaultkit.checks.api_names import check_api_names
    from vaultkit.checks.context import Context
    from vaultkit.config import Config
    from vaultkit.core.vault import load_vault

    text, at = write_note(rows)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "corpus.md").write_text(text, encoding="utf-8")
        vault = load_vault(Path(tmp), use_cache=False)
        config = Config()
        index = load_index(config)
        ctx = Context(vault, config, datetime.date(2026, 11, 22), {"api_index": index})
        started = time.perf_counter()
        found = [d for d in check_api_names(vault.notes["corpus.md"], ctx) if d.code == "VK201"]
        check_ms = (time.perf_counter() - started) * 1000
    by_line = collections.defaultdict(list)
    for d in found:
        by_line[d.span.line].append(d)

    tp = fp = fn = 0
    top1_hit = top1_total = 0
    per_category = collections.defaultdict(lambda: [0, 0, 0])  # rows, detected, top-1 right
    misses = []
    for line, row in at.items():
        hits = by_line.get(line, [])
        flagged = bool(hits)
        if row["label"] == "ok":
            if flagged:
                fp += 1
                misses.append(("false positive", row, hits[0].message))
            continue
        stats = per_category[row["category"]]
        stats[0] += 1
        if not flagged:
            fn += 1
            misses.append(("missed", row, ""))
            continue
        tp += 1
        stats[1] += 1
        if row["expected"] != "-":
            top1_total += 1
            qualified = hits[0].data.get("qualified", [])
            if qualified and qualified[0] == row["expected"]:
                top1_hit += 1
                stats[2] += 1
            else:
                misses.append(("wrong top-1", row, hits[0].message))
    return {
        "references": len(rows),
        "misspelt": sum(r["label"] == "typo" for r in rows),
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "top1": top1_hit / top1_total if top1_total else 1.0,
        "tp": tp, "fp": fp, "fn": fn, "top1_hits": top1_hit, "top1_total": top1_total,
        "check_ms": round(check_ms, 1),
        "per_category": {k: dict(rows=v[0], detected=v[1], top1=v[2]) for k, v in sorted(per_category.items())},
        "misses": [
            {"kind": kind, "row": row["n"], "reference": row["reference"], "expected": row["expected"],
             "message": message}
            for kind, row, message in misses
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus.tsv")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    result = measure(read_corpus(args.corpus))
    ok = all(result[k] >= v for k, v in TARGETS.items())
    if args.json:
        print(json.dumps(result, indent=2))
        return 0 if ok else 1
    print(f"{result['references']} references, {result['misspelt']} misspelt")
    for key, target in TARGETS.items():
        mark = "ok" if result[key] >= target else "BELOW TARGET"
        print(f"{key:>9}: {result[key]:.3f}  (target >= {target})  {mark}")
    print(f"       tp={result['tp']} fp={result['fp']} fn={result['fn']} "
          f"top-1 {result['top1_hits']}/{result['top1_total']}; check took {result['check_ms']} ms")
    for category, stats in result["per_category"].items():
        print(f"  {category:<14} {stats['detected']}/{stats['rows']} detected, {stats['top1']} top-1 right")
    if args.show_misses:
        for miss in result["misses"]:
            print(f"  {miss['kind']}: row {miss['row']} {miss['reference']} (meant {miss['expected'] or '-'}) "
                  f"{miss['message']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
