"""Running notes' code blocks (VK4xx): what a user sees in diagnostics, on disk and in
``vaultkit run``.  One warm worker serves the whole test session."""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vaultkit.checks.code_blocks import check_code_blocks
from vaultkit.checks.context import Context
from vaultkit.config import Config
from vaultkit.core.vault import load_vault
from vaultkit.execute import results as R
from vaultkit.execute import run_notes

FIXTURES = Path(__file__).parent / "fixtures" / "exec"
from seeds import SEEDS  # noqa: E402
TODAY = datetime.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))


def vault_with(tmp_path: Path, files: dict[str, str]):
    root = tmp_path / "vault"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return load_vault(root, use_cache=False)


def diagnostics(vault, runs, config=None):
    ctx = Context(vault, config or Config(), TODAY, {"exec": runs})
    out = []
    for note in vault.notes.values():
        out.extend(check_code_blocks(note, ctx))
    return sorted(out, key=lambda d: d.sort_key())


def where(d):
    return (d.path, d.span.line + 1, d.code)


def fence(code: str, info: str = "python") -> str:
    return f"```{info}\n{code}\n```\n"


# ---- acceptance on the seeds ------------------------------------------------------


@pytest.fixture(scope="module")
def seed_result(tmp_path_factory):
    root = tmp_path_factory.mktemp("seeds")
    for name in ("torch-module-flashcards.md", "pytorch-fundamental-concepts.md"):
        shutil.copy(SEEDS / name, root / name)
    os.environ["VAULTKIT_CACHE_DIR"] = str(root / ".cache")
    vault = load_vault(root, use_cache=False)
    runs = run_notes(vault, list(vault.notes.values()), Config())
    lines = {p: (root / p).read_text(encoding="utf-8").split("\n") for p in vault.notes}
    return vault, runs, diagnostics(vault, runs), lines


def test_flashcard_note_reports_the_taberror_at_the_ellipsis_line(seed_result):
    _, _, diags, lines = seed_result
    mine = [d for d in diags if d.path == "torch-module-flashcards.md"]
    first = mine[0]
    assert where(first) == ("torch-module-flashcards.md", 28, "VK401")
    assert first.message.startswith("TabError:")
    assert lines[first.path][27][first.span.col:first.span.end_col] == "..."
    # The later block uses `nn`, which the failed block would have imported: a follow-on.
    follow = [d for d in mine if d.code == "VK408"]
    assert [where(d) for d in follow] == [("torch-module-flashcards.md", 111, "VK408")]
    assert "line 28" in follow[0].message
    assert follow[0].related[-1].span.line == 27
    assert [d.code for d in mine if d.severity.label == "error"] == ["VK401"]


def test_fundamentals_note_reports_exactly_the_known_failures(seed_result):
    _, _, diags, lines = seed_result
    path = "pytorch-fundamental-concepts.md"
    found = [where(d)[1:] for d in diags if d.path == path and d.severity.label in ("error", "warning")]
    assert found == [(566, "VK401"), (603, "VK402"), (631, "VK401"), (646, "VK401"), (701, "VK402")]
    by_line = {d.span.line + 1: d for d in diags if d.path == path}
    assert lines[path][565].startswith(".optim.Adam(model.parameters(), lr=0.001)")
    assert by_line[566].message.startswith("SyntaxError")
    assert "'sklearn'" in by_line[603].message
    assert "train_loader" in by_line[631].message
    assert lines[path][630][by_line[631].span.col:by_line[631].span.end_col] == "train_loader"
    assert "test_loader" in by_line[646].message
    assert "'torchvision'" in by_line[701].message and by_line[701].data["module"] == "torchvision"


def test_fundamentals_note_warnings_are_hints_at_the_calling_line(seed_result):
    _, _, diags, _ = seed_result
    hints = [d for d in diags if d.code == "VK406"]
    assert {d.span.line + 1 for d in hints} >= {92, 212}
    assert all(d.severity.label == "hint" for d in hints)
    assert any("weight_norm" in d.message and d.message.startswith("FutureWarning") for d in hints)


def test_notebook_mode_later_blocks_see_earlier_imports(seed_result):
    _, runs, _, _ = seed_result
    run = runs["pytorch-fundamental-concepts.md"]
    assert len(run.blocks) == 35
    assert sum(b.status == R.OK for b in run.blocks) == 30  # 35 minus the 5 known failures


def test_unchanged_vault_reruns_nothing_and_no_cache_forces(seed_result, monkeypatch):
    vault, _, diags, _ = seed_result
    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(vault.root / ".cache"))
    again = run_notes(vault, list(vault.notes.values()), Config())
    assert all(r.cached for r in again.values())
    assert diagnostics(vault, again) == diags
    forced = run_notes(vault, [vault.notes["torch-module-flashcards.md"]], Config(), use_cache=False)
    assert not forced["torch-module-flashcards.md"].cached


def test_without_the_exec_service_nothing_is_reported(seed_result):
    vault, _, _, _ = seed_result
    ctx = Context(vault, Config(), TODAY, {})
    assert [d for n in vault.notes.values() for d in check_code_blocks(n, ctx)] == []


# ---- which blocks run --------------------------------------------------------------


def test_block_selection_and_skipping(tmp_path):
    root = tmp_path / "vault"
    shutil.copytree(FIXTURES / "selection", root)
    config = Config().with_options("exec", skip=["Drafts/**"])
    vault = load_vault(root, use_cache=False)
    runs = run_notes(vault, list(vault.notes.values()), config)
    blocks = runs["Blocks.md"].blocks
    ran = [b for b in blocks if b.status == R.OK]
    assert ran[-1].stdout.strip() == "['py', 'tilde Python3', 'callout', 'list item']"
    assert sorted(b.message for b in blocks if b.status == R.SKIPPED) == [
        "'skip' in the info string", "<!-- vaultkit: skip --> before the fence"]
    assert len(blocks) == 7  # neither the bash block nor the indented block is Python
    assert all(b.status == R.SKIPPED for b in runs["Off.md"].blocks)
    assert all(b.status == R.SKIPPED for b in runs["Drafts/Draft.md"].blocks)
    assert diagnostics(vault, runs, config) == []
    assert not list(root.rglob("ran-bash.txt"))


# ---- failures: kinds and locations -------------------------------------------------


def test_runtime_error_points_at_innermost_note_frame_with_traceback(tmp_path):
    note = "# T\n" + fence("def helper(x):\n    return x / 0\n") + "\ntext\n" + fence("y = helper(1)")
    vault = vault_with(tmp_path, {"T.md": note})
    diags = diagnostics(vault, run_notes(vault, list(vault.notes.values()), Config()))
    assert [where(d) for d in diags] == [("T.md", 4, "VK401")]
    assert diags[0].message == "ZeroDivisionError: division by zero"
    assert [r.span.line + 1 for r in diags[0].related] == [10, 4]


def test_failure_kinds_get_their_own_codes(tmp_path):
    note = (
        fence("import not_a_real_module_xyz")
        + fence("import urllib.request\nurllib.request.urlopen('http://example.com', timeout=3)")
        + fence("import torch\nx = torch.ones(2, device='cuda')")
        + fence("import torch\nbig = torch.empty(2**34)")
        + fence("import time\nx = 1\ntime.sleep(30)")
        + fence("after = 'still runs'\nprint(after)")
    )
    vault = vault_with(tmp_path, {"K.md": note})
    config = Config().with_options("exec", timeout=2, **{"memory-mb": 1024})
    runs = run_notes(vault, list(vault.notes.values()), config)
    diags = diagnostics(vault, runs, config)
    assert [(where(d)[1:], d.severity.label) for d in diags] == [
        ((2, "VK402"), "warning"),
        ((6, "VK405"), "warning"),
        ((10, "VK407"), "info"),
        ((14, "VK404"), "error"),
        ((19, "VK403"), "error"),
    ]
    assert "not_a_real_module_xyz" in diags[0].message
    assert "network namespace" in diags[1].message or "socket guard" in diags[1].message
    assert runs["K.md"].blocks[-1].stdout == "still runs\n"


def test_process_exit_stops_the_note_and_says_so(tmp_path):
    note = fence("import os\nos._exit(0)") + fence("x = 1")
    vault = vault_with(tmp_path, {"E.md": note})
    diags = diagnostics(vault, run_notes(vault, list(vault.notes.values()), Config()))
    assert [where(d) for d in diags] == [("E.md", 2, "VK401")]
    assert "ended the Python process" in diags[0].message and "1 later block did not run" in diags[0].message


def test_output_is_captured_with_a_cap(tmp_path):
    vault = vault_with(tmp_path, {"O.md": fence("print('x' * 1_000_000)\nimport os\nos.write(1, b'from C\\n')")})
    block = run_notes(vault, list(vault.notes.values()), Config())["O.md"].blocks[0]
    assert block.status == R.OK
    assert len(block.stdout) < 70_000 and "more characters not shown" in block.stdout
    assert block.stdout.endswith("from C\n")


# ---- the sandbox ---------------------------------------------------------------------


def _digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_hostile_blocks_leave_every_byte_of_the_vault_unchanged(tmp_path, monkeypatch):
    root = tmp_path / "vault"
    shutil.copytree(FIXTURES / "hostile", root)
    hostile = root / "Hostile.md"
    hostile.write_text(fence(f"VAULT = {str(root)!r}") + hostile.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("VAULTKIT_TEST_SECRET_TOKEN", "hunter2")
    from vaultkit.execute import shutdown

    shutdown()  # a fresh worker, started with the secret in our environment
    vault = load_vault(root, use_cache=False)
    before = _digest(root)
    runs = run_notes(vault, list(vault.notes.values()), Config())
    assert _digest(root) == before
    blocks = runs["Hostile.md"].blocks
    out = blocks[1].stdout
    assert "secret None" in out
    assert str(root) not in out and str(Path.home()) + "\n" not in out
    assert all(b.status == R.FAILED for b in blocks[2:5] + blocks[6:])
    assert blocks[-1].kind == R.NETWORK


def test_grandchildren_are_killed_when_the_note_ends(tmp_path):
    marker = f"vaultkit-test-{os.getpid()}-{tmp_path.name}"
    code = f"import subprocess\nsubprocess.Popen(['sh', '-c', 'exec -a {marker} sleep 300'])"
    vault = vault_with(tmp_path, {"G.md": fence(code)})
    run_notes(vault, list(vault.notes.values()), Config())
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert left == []


# ---- vaultkit run ----------------------------------------------------------------------


def run_cli(*argv) -> subprocess.CompletedProcess:
    script = (
        "import sys\n"
        "from vaultkit.cli import _Parser\nfrom vaultkit.commands import run\nfrom vaultkit.errors import UsageError\n"
        "p = _Parser(prog='vaultkit'); run.register(p.add_subparsers(parser_class=_Parser))\n"
        "try:\n    a = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))\n"
        "except UsageError as e:\n    print('vaultkit: error:', e, file=sys.stderr); sys.exit(2)\n"
    )
    return subprocess.run([sys.executable, "-c", script, "run", *argv], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"})


def test_run_command_prints_each_block_and_fails_on_errors(tmp_path):
    vault = vault_with(tmp_path, {"R.md": fence("print('hello from block 1')") + fence("1/0")})
    done = run_cli(str(vault.root / "R.md"))
    assert done.returncode == 1
    assert "hello from block 1" in done.stdout
    assert "ZeroDivisionError: division by zero" in done.stdout
    assert "      5 │ 1/0" in done.stdout
    one = run_cli(str(vault.root / "R.md"), "--block", "1")
    assert one.returncode == 0 and "block 2" not in one.stdout
    bad = run_cli(str(vault.root / "R.md"), "--block", "3")
    assert bad.returncode == 2 and "between 1 and 2" in bad.stderr and "Traceback" not in bad.stderr


def test_many_large_notes_with_large_output_never_hang(tmp_path):
    # Tens of MB of requests while results of 64K characters come back: a client
    # that sends every request before reading a reply deadlocks on full pipes.
    filler = "x" * 300_000
    files = {f"N{i:03}.md": fence(f's = "{filler}"\nprint(len(s))\nprint("y" * 100_000)') for i in range(100)}
    vault = vault_with(tmp_path, files)
    runs = run_notes(vault, list(vault.notes.values()), Config().with_options("exec", timeout=5))
    assert len(runs) == 100
    assert all(r.problem == "" and r.blocks[0].status == R.OK for r in runs.values())
    assert all(r.blocks[0].stdout.startswith("300000\nyyy") for r in runs.values())
