"""Benchmark: running notes' code blocks with vaultkit vs pytest-markdown-docs and
pytest-examples (chained, notebook-like mode), on the same blocks, in one run.

    python bench/exec/bench_exec.py [--deps DIR] [--notes 20 --blocks 10]

Corpora: a copy of vault-sample, and a synthetic vault of NOTES x BLOCKS torch
blocks (self-contained, so every tool can pass them).  The peers must be
importable (``--deps`` adds a folder made with ``pip install --target DIR
pytest-markdown-docs pytest-examples black ruff pytokens pathspec mypy_extensions``);
a missing peer is reported, not fatal.

Measured (wall clock, each in a fresh process unless said):
- vaultkit first run: no daemon running yet, empty result cache: the daemon's
  start (torch import) is included;
- vaultkit cold: empty result cache, the daemon already warm (every later run
  within ``[exec] keep-warm``);
- vaultkit re-run: same vault, warm parse and result caches, fresh process
  (what CI re-runs pay; the cold runs start with both caches empty);
- own worker: empty cache, ``VAULTKIT_EXEC_DAEMON=0`` (a per-process worker:
  what CI, with the daemon off, pays);
- per-note overhead: in one process after warm-up, trivial notes (``x = 1``)
  without cache, one at a time, through the daemon;
- pytest --markdown-docs (isolated blocks) and pytest-examples chained.
The daemon lives in a temporary socket directory (``VAULTKIT_DAEMON_DIR``) and
is stopped at the end.
Targets (issue 5): cold >= 5x faster than pytest-markdown-docs, unchanged
re-run >= 50x faster, per-note overhead <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BLOCK = """\
import torch
from torch import nn
model = nn.Sequential(nn.Linear(8, {h}), nn.ReLU(), nn.Linear({h}, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss = nn.functional.cross_entropy(model(torch.randn(16, 8)), torch.randint(0, 2, (16,)))
loss.backward()
opt.step()
"""


def synthetic(root: Path, notes: int, blocks: int) -> None:
    root.mkdir(parents=True)
    for n in range(notes):
        parts = [f"# Synthetic {n}\n"]
        for b in range(blocks):
            parts.append(f"Step {b}.\n\n```python\n{BLOCK.format(h=4 + b)}```\n")
        (root / f"Note {n:03}.md").write_text("\n".join(parts), encoding="utf-8")


def timed(cmd: list[str], env: dict, cwd: Path | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, (done.stdout + done.stderr)[-400:]


VAULTKIT = textwrap.dedent("""\
    import sys
    from vaultkit.config import Config
    from vaultkit.core.vault import load_vault
    from vaultkit.execute import run_notes
    vault = load_vault(sys.argv[1])  # the parse cache, as every vaultkit run uses it
    runs = run_notes(vault, list(vault.notes.values()), Config().with_options("exec", jobs=int(sys.argv[2])))
    ran = sum(r.ran for r in runs.values() if not r.cached)
    print("blocks-run", ran, "notes", len(runs))
""")

CHAINED = textwrap.dedent("""\
    import pytest
    from pytest_examples import find_examples, CodeExample, EvalExample
    from collections import defaultdict
    groups = defaultdict(list)
    for ex in find_examples(ROOT):
        groups[str(ex.path)].append(ex)

    @pytest.mark.parametrize("path", sorted(groups))
    def test_note(path, eval_example: EvalExample):
        env = None
        failures = 0
        for ex in groups[path]:
            try:
                env = eval_example.run(ex, module_globals=env)
            except BaseException:
                failures += 1
        assert failures == 0
""")


def per_note_overhead(env: dict, count: int = 30) -> float:
    code = textwrap.dedent(f"""\
        import time, tempfile, pathlib
        from vaultkit.config import Config
        from vaultkit.core.parse import parse_note
        from vaultkit.execute import run_notes
        notes = [parse_note(f"n{{i}}.md", "```python\\nx = 1\\n```\\n") for i in range({count} + 1)]
        cfg = Config().with_options("exec", jobs=1)
        run_notes(None, notes[:1], cfg, use_cache=False)  # warm-up: starts the worker
        start = time.perf_counter()
        for note in notes[1:]:
            run_notes(None, [note], cfg, use_cache=False)
        print((time.perf_counter() - start) / {count})
    """)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def stop_daemon(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "vaultkit", "daemon", "stop"], env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deps", help="folder with the peers (pip install --target)")
    parser.add_argument("--notes", type=int, default=20)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vaultkit-bench-exec-"))
    corpora = {"vault-sample": work / "vault-sample", f"synthetic-{args.notes * args.blocks}": work / "synthetic"}
    shutil.copytree(REPO / "vault-sample", corpora["vault-sample"])
    synthetic(corpora[f"synthetic-{args.notes * args.blocks}"], args.notes, args.blocks)
    daemon_dir = work / "d"
    daemon_dir.mkdir(mode=0o700)
    base = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), args.deps or ""])),
            "VAULTKIT_DAEMON_DIR": str(daemon_dir), "VAULTKIT_EXEC_DAEMON": "1"}
    rows = []
    try:
        for name, root in corpora.items():
            def vaultkit(cache: str, **extra) -> tuple[float, str]:
                env = {**base, "VAULTKIT_CACHE_DIR": str(work / f"cache-{name}-{cache}"), **extra}
                return timed([sys.executable, "-c", VAULTKIT, str(root), str(args.jobs)], env)

            stop_daemon(base)
            first, out_first = vaultkit("first")
            cold, out_cold = vaultkit("cold")
            rerun, out_rerun = vaultkit("cold")
            own, out_own = vaultkit("own", VAULTKIT_EXEC_DAEMON="0")
            pmd, out_pmd = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--markdown-docs",
                                  "--timeout", "120", str(root)], base, cwd=work)
            test_file = work / f"test_chained_{name.replace('-', '_')}.py"
            test_file.write_text(f"ROOT = {str(root)!r}\n" + CHAINED, encoding="utf-8")
            chained, out_chained = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no",
                                          "--timeout", "120", str(test_file)], base, cwd=work)
            last = [out.strip().splitlines()[-1:] for out in (out_first, out_cold, out_rerun, out_own, out_pmd, out_chained)]
            rows.append((name, first, cold, rerun, own, pmd, chained, last))
        overhead = per_note_overhead({**base, "VAULTKIT_CACHE_DIR": str(work / "cache-overhead")})
    finally:
        stop_daemon(base)
    print(f"{'corpus':<16}{'first run':>11}{'cold':>9}{'re-run':>9}{'own worker':>12}{'pmd':>9}"
          f"{'examples':>10}{'pmd/first':>11}{'pmd/cold':>10}{'pmd/re-run':>12}{'pmd/own':>9}")
    for name, first, cold, rerun, own, pmd, chained, _ in rows:
        print(f"{name:<16}{first:>10.2f}s{cold:>8.2f}s{rerun:>8.2f}s{own:>11.2f}s{pmd:>8.2f}s{chained:>9.2f}s"
              f"{pmd / first:>10.1f}x{pmd / cold:>9.1f}x{pmd / rerun:>11.1f}x{pmd / own:>8.1f}x")
    print(f"per-note overhead after warm-up: {overhead * 1000:.1f} ms")
    print("first = daemon not running yet; cold = warm daemon, empty result cache; re-run = warm cache; "
          "own worker = VAULTKIT_EXEC_DAEMON=0; pmd = pytest --markdown-docs; examples = pytest-examples chained")
    for name, *_, last in rows:
        print(f"  {name}: " + " | ".join(f"{label} {text}" for label, text in
                                          zip(("first", "cold", "re-run", "own", "pmd", "chained"), last)))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
