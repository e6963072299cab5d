"""Cold runs on a large vault load it in worker processes that keep the notes
they parse (vaultkit.core.shards).  What a user gets must be exactly what a
run in one process gives: the same report, the same graph, the same exit
status, and a parse cache that later runs read back.

The commands run in fresh interpreters: the workers are forked, which the CLI
only does while it runs no other thread, and a test process may have some.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# More notes than the loader's threshold for parsing in workers (400).
NOTES = 440


def _note(i: int) -> str:
    j, k = (i * 7 + 3) % NOTES, (i * 11 + 5) % NOTES
    front = f"---\naliases: [Alias {i}]\ntags: [topic/t{i % 5}]\n---\n" if i % 3 == 0 else ""
    return (
        f"{front}# Topic {i}\n\n"
        f"Intro with [[Topic {j}]], [[Topic {k}#Part]], [[Topic {j}#No such heading]], "
        f"[[Topic {k}#^b{k}]] and [[Topic {j}#^nope]].\n"
        f"Broken: [[Missing {i % 7}]], [[Dup]], ![[img{i % 3}.png]], [md](Topic%20{k}.md), "
        f"[[Alias {j}]] #tag/n{i % 4}\n"
        f"Names: `nn.LTSM`, nn.Linear and nn.Dropout2D. ^b{i}\n\n"
        f"## Part\n\nQuestion {i}::Answer <!--SR:!2025-02-{10 + i % 15},3,250-->\n\n"
        f"```python\nx = [[0, 1]]  # [[Not a link]]\n```\n"
    )


def build_vault(root: Path, *, bad_files: bool) -> Path:
    folders = ["", "Sub/", "Sub/Deep/", "Other/"]
    for i in range(NOTES):
        path = root / f"{folders[i % 4]}Topic {i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_note(i), encoding="utf-8")
    for rel in ("A1/Dup.md", "B1/Dup.md"):  # equally short: [[Dup]] is ambiguous
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("# Dup\n", encoding="utf-8")
    (root / "Ignored").mkdir()
    (root / "Ignored" / "Hidden.md").write_text("[[Nowhere at all]]\n", encoding="utf-8")
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": ["Ignored/"]}', encoding="utf-8")
    for name in ("img0.png", "img1.png"):
        (root / name).write_bytes(b"\x89PNG\r\n\x1a\n")
    if bad_files:
        (root / "Binary.md").write_bytes(b"\x00\x01\x02 not text \x00")
        (root / "Latin.md").write_bytes("caf\xe9 [[Topic 1]]\n".encode("latin-1"))
        (root / "Topic 5.md").write_bytes(b"\x00\x00binary now")  # links to it stay links to a file
    return root


def vaultkit(args: list[str], cache: Path, **env) -> subprocess.CompletedProcess:
    environ = dict(os.environ, VAULTKIT_CACHE_DIR=str(cache), NO_COLOR="1", **env)
    return subprocess.run([sys.executable, "-m", "vaultkit", *map(str, args)], env=environ,
                          capture_output=True, text=True, timeout=300)


def parse_cache_parts(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "parse").glob("*/*.marshal"))


@pytest.fixture(scope="module", params=[False, True], ids=["clean", "with-unreadable-notes"])
def large_vault(request, tmp_path_factory):
    return build_vault(tmp_path_factory.mktemp("large") / "vault", bad_files=request.param)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_cold_check_in_workers_reports_what_one_process_reports(large_vault, tmp_path, fmt):
    args = ["check", large_vault, "--no-exec", "--today", "2026-11-22", "--format", fmt]
    cold = vaultkit(args, tmp_path / "cache")
    assert parse_cache_parts(tmp_path / "cache") == ["part0.marshal", "part1.marshal"], cold.stderr
    single = vaultkit(args + ["--jobs", "1", "--no-cache"], tmp_path / "other")
    assert (cold.returncode, cold.stdout, cold.stderr) == (single.returncode, single.stdout, single.stderr)
    assert cold.returncode == 1 and "VK101" in cold.stdout and "VK201" in cold.stdout

    # The parts the workers wrote are the parse cache of the next run (another
    # date, so that no result is replayed: every note is checked again, unparsed).
    later = [a if a != "2026-11-22" else "2026-12-01" for a in args]
    warm = vaultkit(later, tmp_path / "cache")
    assert parse_cache_parts(tmp_path / "cache") == ["part0.marshal", "part1.marshal"]
    uncached = vaultkit(later + ["--no-cache"], tmp_path / "other")
    assert (warm.returncode, warm.stdout) == (uncached.returncode, uncached.stdout)


def test_cold_check_without_any_cache_uses_workers_too(large_vault, tmp_path):
    args = ["check", large_vault, "--no-exec", "--today", "2026-11-22", "--format", "json", "--no-cache"]
    sharded = vaultkit(args, tmp_path / "a")
    single = vaultkit(args + ["--jobs", "1"], tmp_path / "b")
    assert sharded.returncode == single.returncode == 1
    assert sharded.stdout == single.stdout


@pytest.mark.parametrize("include", ["unresolved", "unresolved,attachments,tags,ignored"])
def test_cold_graph_in_workers_equals_the_graph_built_in_one_process(large_vault, tmp_path, include):
    from vaultkit.core.graph import build_graph, parse_include
    from vaultkit.core.vault import load_vault
    from vaultkit.export.json import node_link

    cold = vaultkit(["graph", large_vault, "--format", "json", "--include", include], tmp_path / "cache")
    assert cold.returncode == 0, cold.stderr
    assert parse_cache_parts(tmp_path / "cache") == ["part0.marshal", "part1.marshal"]
    expected = node_link(build_graph(load_vault(large_vault, use_cache=False, jobs=1), parse_include(include)))
    got = json.loads(cold.stdout)
    assert got == json.loads(json.dumps(expected))
    single = vaultkit(["graph", large_vault, "--format", "json", "--include", include, "--jobs", "1"],
                      tmp_path / "other")
    assert parse_cache_parts(tmp_path / "other") == ["all.marshal"]
    assert (single.stdout, single.stderr) == (cold.stdout, cold.stderr)
    assert any(n["kind"] == "ambiguous" for n in got["nodes"])
    assert any(n["kind"] == "unresolved" for n in got["nodes"])


def test_problems_of_unreadable_notes_are_reported_once_and_in_order(tmp_path):
    root = build_vault(tmp_path / "vault", bad_files=True)
    args = ["graph", root, "--format", "json", "--include", "none"]
    sharded = vaultkit(args, tmp_path / "a")
    warm = vaultkit(args, tmp_path / "a")  # from the cache: loaded in this process
    assert sharded.returncode == warm.returncode == 0
    problems = [line for line in sharded.stderr.splitlines() if line.startswith("vaultkit: ")]
    assert [p.split(":")[1].strip() for p in problems] == ["Binary.md", "Latin.md", "Topic 5.md"]
    assert sharded.stderr == warm.stderr
    assert sharded.stdout == warm.stdout


def test_a_failing_worker_is_reported_and_the_run_finishes_in_one_process(large_vault, tmp_path):
    code = (
        "import sys, vaultkit.core.shards as s\n"
        "def boom(self, arg): raise MemoryError('simulated')\n"
        "s._Worker.check = boom\n"
        "from vaultkit.cli import run\n"
        "sys.exit(run(sys.argv[1:]))\n"
    )
    args = ["check", str(large_vault), "--no-exec", "--today", "2026-11-22", "--format", "json"]
    env = dict(os.environ, VAULTKIT_CACHE_DIR=str(tmp_path / "a"))
    failed = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                            timeout=300)
    single = vaultkit(args + ["--jobs", "1", "--no-cache"], tmp_path / "b")
    assert "a worker process failed (MemoryError: simulated); continuing in one process" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert (failed.returncode, failed.stdout) == (single.returncode, single.stdout)


def test_code_blocks_run_when_the_vault_is_loaded_in_workers(tmp_path):
    root = build_vault(tmp_path / "vault", bad_files=False)
    (root / "Runs.md").write_text("```python\nprint('fine')\n```\n\n```python\nraise ValueError('bad')\n```\n",
                                  encoding="utf-8")
    args = ["check", root, "--today", "2026-11-22", "--format", "json", "--select", "VK4"]
    sharded = vaultkit(args, tmp_path / "a", VAULTKIT_EXEC_DAEMON="0")
    assert parse_cache_parts(tmp_path / "a") == ["part0.marshal", "part1.marshal"]
    single = vaultkit(args + ["--jobs", "1", "--no-cache"], tmp_path / "b", VAULTKIT_EXEC_DAEMON="0")
    assert (sharded.returncode, sharded.stdout) == (single.returncode, single.stdout)
    found = [(d["path"], d["code"]) for d in json.loads(sharded.stdout)["diagnostics"]]
    assert ("Runs.md", "VK401") in found


def test_workers_take_unchanged_notes_from_the_cache_and_parse_the_rest(tmp_path):
    root = build_vault(tmp_path / "vault", bad_files=False)
    args = ["check", root, "--no-exec", "--today", "2026-11-22", "--format", "json"]
    cold = vaultkit(args, tmp_path / "cache")
    # Rewrite all but 30 notes (still 400+ to parse), renaming a heading the others link to.
    for i in range(30, NOTES):
        path = next(root.rglob(f"Topic {i}.md"))
        path.write_text(_note(i).replace("## Part", "## Section"), encoding="utf-8")
        os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    mixed = vaultkit(args, tmp_path / "cache")
    assert parse_cache_parts(tmp_path / "cache") == ["part0.marshal", "part1.marshal"]
    single = vaultkit(args + ["--jobs", "1", "--no-cache"], tmp_path / "other")
    assert (mixed.returncode, mixed.stdout) == (single.returncode, single.stdout)

    def missing_headings(run):
        return sum(d["code"] == "VK102" for d in json.loads(run.stdout)["diagnostics"])

    assert missing_headings(mixed) > missing_headings(cold)  # [[Topic k#Part]] broke
