"""VK201 on a synthetic vault: accuracy against its truth file, and cost in `check`.

    python /work/shared/tools/genvault.py --notes 10000 --out /tmp/gv10k
    python bench/api_accuracy/synthetic.py /tmp/gv10k [--overhead] [--json]

Accuracy: every ``pytorch_typos`` record of ``.truth.json`` (file, line, typo,
correct) should get a VK201 on that line whose first suggestion is the
correct name, and no other line should get one.

``--overhead`` also times ``vaultkit check --no-exec --no-cache`` once with
and once without the VK2 rules (fresh processes, warm API index) and prints
the ratio; the target is at most 1.20.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))


def accuracy(root: Path) -> dict:
    from vaultkit import check_vault, load_vault
    from vaultkit.config import Config

    truth = json.loads((root / ".truth.json").read_text(encoding="utf-8"))
    expected = {(t["file"], t["line"]): t for t in truth["pytorch_typos"]}
    vault = load_vault(root, use_cache=False)
    config = Config(select=("VK2",))
    started = time.perf_counter()
    found = [d for d in check_vault(vault, config, datetime.date(2026, 11, 22)) if d.code == "VK201"]
    seconds = time.perf_counter() - started
    seen: dict[tuple[str, int], object] = {}
    for d in found:
        seen.setdefault((d.path, d.span.line + 1), d)
    tp = sum(1 for key in seen if key in expected)
    fp = [key for key in seen if key not in expected]
    fn = [key for key in expected if key not in seen]
    top1 = sum(
        1 for key, d in seen.items()
        if key in expected and (d.data.get("suggestions") or [""])[0] == expected[key]["correct"]
    )
    wrong = [
        (expected[key]["typo"], expected[key]["correct"], (d.data.get("suggestions") or ["-"])[0])
        for key, d in seen.items()
        if key in expected and (d.data.get("suggestions") or [""])[0] != expected[key]["correct"]
    ]
    # Misses a name checker cannot catch: the "typo" is itself a real name
    # (F.relu -> F.elu), or it is a bare word with no module before it (DataLaoder).
    from vaultkit.apiindex import load_index
    from vaultkit.apiindex.resolve import resolve

    index = load_index(config)
    kinds = {"real name": 0, "no module prefix": 0, "other": 0}
    for key in fn:
        typo = expected[key]["typo"]
        parts = tuple(typo.split("."))
        if len(parts) < 2 or parts[0] not in index.aliases:
            kinds["no module prefix"] += 1
        elif (r := resolve(index, parts, index.aliases)) is not None and r.status == "ok":
            kinds["real name"] += 1
        else:
            kinds["other"] += 1
    detectable = len(expected) - kinds["real name"] - kinds["no module prefix"]
    return {
        "notes": len(vault.notes),
        "missed_by_kind": kinds,
        "recall_detectable": tp / detectable if detectable else 1.0,
        "typos": len(expected),
        "mentions": truth.get("torch_mentions"),
        "precision": tp / (tp + len(fp)) if tp + len(fp) else 1.0,
        "recall": tp / len(expected) if expected else 1.0,
        "top1": top1 / tp if tp else 1.0,
        "false_positives": [f"{p}:{line} {seen[(p, line)].message}" for p, line in fp[:20]],
        "missed": [f"{p}:{line} {expected[(p, line)]['typo']}" for p, line in fn[:20]],
        "wrong_top1": wrong[:20],
        "vk2_check_seconds": round(seconds, 2),
    }


def _timed_check(root: Path, extra: list[str]) -> float:
    command = [sys.executable, "-m", "vaultkit", "check", str(root), "--no-exec", "--no-cache",
               "--today", "2026-11-22", "--format", "json", "--output", os.devnull, *extra]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"check failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def overhead(root: Path) -> dict:
    from vaultkit.apiindex import load_index

    load_index(None)  # warm the index cache: building it is not part of a check
    _timed_check(root, ["--ignore", "VK2"])  # warm the file cache, not measured
    without = _timed_check(root, ["--ignore", "VK2"])
    with_api = _timed_check(root, [])
    return {"without_vk2_s": round(without, 2), "with_vk2_s": round(with_api, 2),
            "ratio": round(with_api / without, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--overhead", action="store_true", help="also time check with and without VK2")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = {"accuracy": accuracy(args.vault)}
    if args.overhead:
        result["overhead"] = overhead(args.vault)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    acc = result["accuracy"]
    print(f"{acc['notes']} notes, {acc['typos']} planted typos")
    print(f"precision {acc['precision']:.3f}  recall {acc['recall']:.3f}  top-1 {acc['top1']:.3f}  "
          f"(VK2-only check {acc['vk2_check_seconds']} s)")
    print(f"missed by kind: {acc['missed_by_kind']}; recall on references a name checker can see "
          f"(dotted, and not itself a real name): {acc['recall_detectable']:.3f}")
    for line in acc["false_positives"]:
        print(f"  false positive: {line}")
    for line in acc["missed"]:
        print(f"  missed: {line}")
    for typo, correct, got in acc["wrong_top1"]:
        print(f"  wrong top-1: {typo} -> {got} (meant {correct})")
    if "overhead" in result:
        o = result["overhead"]
        print(f"check --no-exec: {o['without_vk2_s']} s without VK2, {o['with_vk2_s']} s with; "
              f"ratio {o['ratio']} (target <= 1.20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
