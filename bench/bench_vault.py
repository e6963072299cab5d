#!/usr/bin/env python3
"""Vault-scale benchmark: `vaultkit graph` and `vaultkit check --no-exec` against the floor.

Everything is measured in one run on the same synthetic vault, and reported as
ratios against the floor measured in that run (reading every file plus a
fence-aware regex line scan), so the numbers mean the same on a faster or a
busier machine.

    python bench/bench_vault.py --notes 10000            # graph + check, cold and warm
    python bench/bench_vault.py --notes 10000 --obsidiantools   # also the Python peer (~6 min at 10k)
    python bench/bench_vault.py --notes 50000 --only graph

Vaults come from ../shared/tools/genvault.py (deterministic) and are kept in
bench/vaults/ between runs.  Targets (10k notes, 2 cores): graph <= 5 s cold and
<= 2.5x the floor, peak RSS <= 1 GB; check <= 5 s cold, <= 1 s warm; the API-name
rules add <= 20 % to check; unresolved-link precision and recall = 1.0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENVAULT = REPO.parent / "shared" / "tools" / "genvault.py"

_LINK = re.compile(r"!?\[\[([^\]]+)\]\]")


def make_vault(notes: int) -> Path:
    out = HERE / "vaults" / f"v{notes}"
    if (out / ".truth.json").exists():
        return out
    if not GENVAULT.exists():
        sys.exit(f"cannot find {GENVAULT}; it ships in the project's shared/ folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(GENVAULT), "--notes", str(notes), "--out", str(out)], check=True)
    return out


def floor(root: Path) -> tuple[float, int]:
    """Read every note and find its [[links]] line by line, skipping fences."""
    start = time.perf_counter()
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.endswith(".md"):
                continue
            with open(os.path.join(dirpath, name), encoding="utf-8") as handle:
                in_fence = False
                for line in handle:
                    if line.startswith("```"):
                        in_fence = not in_fence
                        continue
                    if not in_fence and "[[" in line:
                        count += len(_LINK.findall(line))
    return time.perf_counter() - start, count


CPU_SECONDS: list[float] = []  # CPU time (user + system, all processes) of each timed() run


def timed(argv: list[str], env: dict) -> tuple[float, int, str]:
    """Wall time, peak RSS (bytes) and stdout of a command run in a fresh process.

    The CPU time it took (its worker processes included) is appended to
    CPU_SECONDS: on a shared machine it varies much less than the wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = usage.ru_maxrss
    cpu_before = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    # Decoded once the clock is stopped: decoding the 22 MB of a 10k-note graph is
    # this harness's work, not the command's (0.1 s with text=True inside run()).
    proc.stdout = proc.stdout.decode("utf-8")
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS.append(usage.ru_utime + usage.ru_stime - cpu_before)
    peak = usage.ru_maxrss
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed, max(peak, before) * 1024, proc.stdout


def score_unresolved(graph_json: dict, truth: dict) -> tuple[float, float]:
    """Target-level precision and recall of unresolved notes against the truth file."""
    reported = {n["id"].split(":", 1)[1].lower() for n in graph_json["nodes"] if n.get("kind") == "unresolved"}
    expected = {item["target"].lower() for item in truth["unresolved_links"]}
    tp = len(reported & expected)
    precision = tp / len(reported) if reported else 1.0
    recall = tp / len(expected) if expected else 1.0
    return precision, recall


def obsidiantools_time(root: Path) -> float | None:
    try:
        import obsidiantools.api as otools  # noqa: F401
    except ImportError:
        print("  obsidiantools not installed (pip install obsidiantools); skipped")
        return None
    code = ("import time, pathlib, obsidiantools.api as o; t=time.perf_counter(); "
            f"o.Vault(pathlib.Path({str(root)!r})).connect(); print(time.perf_counter()-t)")
    proc = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=int, default=10000)
    ap.add_argument("--only", choices=("graph", "check"), default=None)
    ap.add_argument("--obsidiantools", action="store_true", help="also time obsidiantools' Vault.connect()")
    ap.add_argument("--json", metavar="FILE", help="write the numbers as JSON")
    ap.add_argument("--repeat", type=int, default=3, help="cold runs per measure; the median is reported")
    args = ap.parse_args()

    root = make_vault(args.notes)
    # A regular install ships bytecode; an editable one under PYTHONDONTWRITEBYTECODE
    # (set on this machine) would compile every vaultkit module on every run.
    import compileall

    compileall.compile_dir(str(REPO / "vaultkit"), quiet=1)
    truth = json.loads((root / ".truth.json").read_text(encoding="utf-8"))
    vk = [sys.executable, "-m", "vaultkit"]
    results: dict = {"notes": args.notes, "cpus": os.cpu_count()}

    floor(root)  # warm the page cache the same way for everyone
    floors = []
    for _ in range(3):
        cpu = time.process_time()
        floors.append((*floor(root), time.process_time() - cpu))
    floor_s, floor_links, floor_cpu = sorted(floors)[1]
    results.update(floor_s=floor_s, floor_cpu_s=floor_cpu)
    print(f"{args.notes} notes, {os.cpu_count()} CPUs")
    print(f"  floor (read + fence-aware regex scan): {floor_s:.2f} s ({floor_cpu:.2f} s CPU), {floor_links} links")

    # The torch name index is built once per torch version (not per vault run):
    # build it up front, report its cost, and share it between the runs below.
    api_dir = HERE / "out" / "api-index"
    api_env = dict(os.environ, VAULTKIT_API_INDEX_DIR=str(api_dir))
    t_index, _, _ = timed(vk + ["api-index", "--rebuild"], api_env)
    results["api_index_build_s"] = t_index
    print(f"  torch API index build (once per torch version): {t_index:.2f} s")

    def fresh_env() -> dict:
        env = dict(api_env)
        env["VAULTKIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="vk-bench-cache-")
        return env

    def median(values):
        return sorted(values)[len(values) // 2]

    if args.only in (None, "graph"):
        runs = []
        del CPU_SECONDS[:]
        for _ in range(args.repeat):
            env = fresh_env()
            runs.append(timed(vk + ["graph", str(root), "--format", "json"], env))
            shutil.rmtree(env["VAULTKIT_CACHE_DIR"], ignore_errors=True)
        graph_cpu = median(CPU_SECONDS)
        results["graph_cold_cpu_s"] = graph_cpu
        t = median([r[0] for r in runs])
        rss = max(r[1] for r in runs)
        out = runs[0][2]
        results["graph_cold_runs_s"] = [r[0] for r in runs]
        precision, recall = score_unresolved(json.loads(out), truth)
        results.update(graph_cold_s=t, graph_peak_rss_mb=rss / 1e6, graph_ratio=t / floor_s,
                       unresolved_precision=precision, unresolved_recall=recall)
        print(f"  vaultkit graph --format json, cold (median of {args.repeat}): {t:.2f} s = {t / floor_s:.2f}x floor, "
              f"{graph_cpu:.2f} s CPU in all processes, "
              f"peak RSS {rss / 1e6:.0f} MB; unresolved targets precision {precision:.3f} recall {recall:.3f}")

    if args.only in (None, "check"):
        base = vk + ["check", str(root), "--no-exec", "--today", "2026-11-22", "--format", "json"]
        colds = []
        del CPU_SECONDS[:]
        for _ in range(args.repeat - 1):
            env = fresh_env()
            colds.append(timed(base, env)[0])
            shutil.rmtree(env["VAULTKIT_CACHE_DIR"], ignore_errors=True)
        env = fresh_env()
        t_cold, rss, out = timed(base, env)
        colds.append(t_cold)
        results["check_cold_runs_s"] = colds
        check_cpu = median(CPU_SECONDS)
        results["check_cold_cpu_s"] = check_cpu
        t_cold = median(colds)
        diagnostics = json.loads(out)["diagnostics"]
        t_warm, _, _ = timed(base, env)
        # One note touched: the parse cache does the work, the result cache misses.
        victim = next(root.rglob("*.md"))
        os.utime(victim)
        t_touch, _, _ = timed(base, env)
        env2 = fresh_env()
        timed(base + ["--ignore", "VK2"], env2)  # warm the parse cache without the API rules
        # Alternate with and without the API rules, one note touched before each run
        # (so the result cache misses and every rule runs), and compare medians.
        with_api, without_api = [], []
        for _ in range(args.repeat):
            os.utime(victim)
            without_api.append(timed(base + ["--ignore", "VK2"], env2)[0])
            os.utime(victim)
            with_api.append(timed(base, env2)[0])
        t_no_api, t_api = median(without_api), median(with_api)
        results.update(check_cold_s=t_cold, check_warm_s=t_warm, check_one_changed_s=t_touch,
                       check_peak_rss_mb=rss / 1e6, check_ratio=t_cold / floor_s,
                       api_overhead=(t_api - t_no_api) / t_no_api, diagnostics=len(diagnostics))
        print(f"  vaultkit check --no-exec, cold (median of {args.repeat}): {t_cold:.2f} s = {t_cold / floor_s:.2f}x floor, "
              f"{check_cpu:.2f} s CPU in all processes, peak RSS {rss / 1e6:.0f} MB, "
              f"{len(diagnostics)} diagnostics")
        print(f"  vaultkit check --no-exec, warm (nothing changed): {t_warm:.2f} s")
        print(f"  vaultkit check --no-exec, one note touched: {t_touch:.2f} s")
        print(f"  API-name rules add {100 * (t_api - t_no_api) / t_no_api:+.0f} % "
              f"(medians of {args.repeat}: {t_no_api:.2f} s without VK2, {t_api:.2f} s with; "
              f"{100 * (t_api - t_no_api) / t_cold:+.0f} % of a cold check)")
        for e in (env, env2):
            shutil.rmtree(e["VAULTKIT_CACHE_DIR"], ignore_errors=True)

    if args.obsidiantools:
        t = obsidiantools_time(root)
        if t is not None:
            results["obsidiantools_connect_s"] = t
            print(f"  obsidiantools Vault(path).connect(): {t:.1f} s = {t / floor_s:.0f}x floor")
            if "graph_cold_s" in results:
                print(f"  vaultkit graph is {t / results['graph_cold_s']:.0f}x faster than obsidiantools")

    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
