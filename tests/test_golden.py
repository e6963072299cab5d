"""vault-sample/ is the demo vault; tests/golden/ records what vaultkit reports on it.

The golden files pin every diagnostic (path, line, column, code, message).
``VAULTKIT_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` rewrites them
after a deliberate change; review the diff like code.  tests/golden/README.md
lists every defect planted in the vault and the rule family that must find it.

The acceptance facts from the issues are also asserted one by one below, so
that regenerating a golden file can never silently drop them.
"""

from __future__ import annotations

import contextlib
import filecmp
import io
import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_VAULT = REPO / "vault-sample"
from seeds import SEEDS  # noqa: E402
GOLDEN = Path(__file__).parent / "golden"
TODAY = "2026-11-22"
HUB = "Deep Learning/torch-module-flashcards.md"
FUNDAMENTALS = "Deep Learning/Reference/pytorch-fundamental-concepts.md"
KEYS = ("path", "line", "column", "code", "message")


def _landed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def requires(module: str, what: str):
    """Skip until another engineer's part (``module``) exists in the tree."""
    return pytest.mark.skipif(not _landed(module), reason=f"not landed yet: {what} ({module})")


needs_check = requires("vaultkit.commands.check", "the check command")
needs_links = requires("vaultkit.checks.links", "the link rules")
needs_api = requires("vaultkit.checks.api_names", "the API-name rules")
needs_sr = requires("vaultkit.checks.schedules", "the spaced-repetition rules")
needs_exec = requires("vaultkit.checks.code_blocks", "the code-block rules")


def _seed_lines(name: str) -> list[str]:
    return (SEEDS / name).read_text(encoding="utf-8").splitlines()


def _line_of(lines: list[str], needle: str, start: int = 0) -> int:
    """1-based number of the first line at or after ``start`` (1-based) containing ``needle``."""
    for number, text in enumerate(lines, 1):
        if number >= start and needle in text:
            return number
    raise AssertionError(f"{needle!r} not in the seed note")


# --- running the check once per module ----------------------------------------------


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory):
    """A private copy of vault-sample: a misbehaving run can never dirty the repository."""
    dest = tmp_path_factory.mktemp("sample") / "vault-sample"
    shutil.copytree(SAMPLE_VAULT, dest, symlinks=True)
    return dest


@pytest.fixture(scope="module")
def run_sample_check(sample_copy, tmp_path_factory, vault_fingerprint):
    """``run([...extra flags]) -> JSON report`` of ``vaultkit check`` on the copy."""
    if not _landed("vaultkit.commands.check"):
        pytest.skip("not landed yet: the check command (vaultkit.commands.check)")
    from vaultkit.cli import run

    cache = tmp_path_factory.mktemp("cache")

    def check(extra: list[str]) -> dict:
        before = vault_fingerprint(sample_copy)
        out, err = io.StringIO(), io.StringIO()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("VAULTKIT_CACHE_DIR", str(cache))
            mp.setenv("NO_COLOR", "1")
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = run(["check", str(sample_copy), "--format", "json", "--today", TODAY, *extra])
        out, err = out.getvalue(), err.getvalue()
        assert "Traceback" not in out + err, err
        assert code in (0, 1), f"exit {code}: {err}"
        assert vault_fingerprint(sample_copy) == before, "vaultkit check wrote into the vault"
        return json.loads(out)

    return check


@pytest.fixture(scope="module")
def report(run_sample_check):
    return run_sample_check(["--no-exec"])


@pytest.fixture(scope="module")
def exec_report(run_sample_check):
    return run_sample_check([])


def _rows(report: dict) -> list[dict]:
    return sorted(
        ({key: d[key] for key in KEYS} for d in report["diagnostics"]),
        key=lambda d: (d["path"], d["line"], d["column"], d["code"], d["message"]),
    )


def _diags(report: dict, path: str, prefix: str = "VK") -> list[dict]:
    return [d for d in report["diagnostics"] if d["path"] == path and d["code"].startswith(prefix)]


def _compare_with_golden(rows: list[dict], name: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("VAULTKIT_UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    if not golden.exists():
        pytest.fail(f"{golden} is missing: run with VAULTKIT_UPDATE_GOLDEN=1 to create it")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    as_key = lambda d: json.dumps(d, sort_keys=True, ensure_ascii=False)  # noqa: E731
    missing = sorted(set(map(as_key, expected)) - set(map(as_key, rows)))
    extra = sorted(set(map(as_key, rows)) - set(map(as_key, expected)))
    assert not missing and not extra, (
        f"vault-sample diagnostics differ from {golden.name} "
        f"(VAULTKIT_UPDATE_GOLDEN=1 regenerates it after a deliberate change)\n"
        + "".join(f"- no longer reported: {m}\n" for m in missing)
        + "".join(f"+ newly reported:     {e}\n" for e in extra)
    )


# --- the vault itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    "seed, in_vault",
    [("torch-module-flashcards.md", HUB), ("pytorch-fundamental-concepts.md", FUNDAMENTALS)],
)
def test_seed_notes_are_kept_byte_for_byte(seed, in_vault):
    assert filecmp.cmp(SEEDS / seed, SAMPLE_VAULT / in_vault, shallow=False), (
        f"vault-sample/{in_vault} must be an exact copy of the seed {seed}"
    )


def test_sample_vault_has_the_obsidian_settings_the_golden_depends_on():
    app = json.loads((SAMPLE_VAULT / ".obsidian/app.json").read_text(encoding="utf-8"))
    assert "Templates/" in app["userIgnoreFilters"]
    sr = json.loads(
        (SAMPLE_VAULT / ".obsidian/plugins/obsidian-spaced-repetition/data.json").read_text(
            encoding="utf-8"
        )
    )
    assert sr["settings"]["multilineCardSeparator"] == "-?-"
    # The fundamentals note's relative links must stay broken: nothing may provide them.
    assert not list(SAMPLE_VAULT.rglob("README.md"))
    assert not list(SAMPLE_VAULT.rglob("pytorch_notebook.ipynb"))
    assert (SAMPLE_VAULT / "Attachments/conv-kernel.png").read_bytes().startswith(b"\x89PNG")
    assert not list(SAMPLE_VAULT.rglob("receptive-field.png"))


# --- golden files --------------------------------------------------------------------


@needs_check
def test_golden_no_exec(report):
    assert report["today"] == TODAY
    _compare_with_golden(_rows(report), "vault-sample.json")


@pytest.mark.slow
@needs_check
@needs_exec
def test_golden_with_exec(exec_report):
    _compare_with_golden(_rows(exec_report), "vault-sample.exec.json")


@needs_check
def test_no_exec_reports_no_code_block_results(report):
    assert not [d for d in report["diagnostics"] if d["code"].startswith("VK4")]


@needs_check
def test_ignored_templates_folder_is_not_reported(report):
    # app.json userIgnoreFilters hides Templates/ (placeholder links, {{date}} YAML).
    assert not [d for d in report["diagnostics"] if d["path"].startswith("Templates/")]


# --- acceptance: links (VK1) ----------------------------------------------------------


def _link_extents(lines: list[str], link_text: str) -> list[tuple[int, int, int]]:
    """(line, first column, column after the end), 1-based, of every occurrence of ``link_text``."""
    extents = []
    for number, text in enumerate(lines, 1):
        col = text.find(link_text)
        while col != -1:
            extents.append((number, col + 1, col + 1 + len(link_text)))
            col = text.find(link_text, col + 1)
    return extents


def _reported(diags: list[dict], extent: tuple[int, int, int]) -> bool:
    line, first, after = extent
    return any(d["line"] == line and first <= d["column"] < after for d in diags)


@needs_check
@needs_links
def test_fundamentals_relative_links_and_notebook_are_broken(report):
    lines = _seed_lines("pytorch-fundamental-concepts.md")
    broken = _link_extents(lines, "[Return to Main Page](../README.md)")
    broken += _link_extents(lines, "[Pytorch Notebook](pytorch_notebook.ipynb)")
    assert len(broken) == 3
    diags = _diags(report, FUNDAMENTALS, "VK1")
    assert all(_reported(diags, extent) for extent in broken), diags
    assert len(diags) == 3, diags


@needs_check
@needs_links
def test_hub_links_without_a_note_are_broken_and_the_others_resolve(report):
    lines = _seed_lines("torch-module-flashcards.md")
    diags = _diags(report, HUB, "VK1")
    for target in ("Torch Model", "Feed Forward Layer"):  # no such note (an alias is not a name)
        for extent in _link_extents(lines, f"[[{target}]]"):
            assert _reported(diags, extent), (target, extent, diags)
    for target in ("Torch Module", "Convolution", "Recurrent Modules", "Torch Optim", "Torch Loss"):
        for extent in _link_extents(lines, f"[[{target}]]"):
            assert not _reported(diags, extent), (target, extent, diags)


# --- acceptance: API names (VK2) ------------------------------------------------------


@needs_check
@needs_api
@pytest.mark.parametrize("typo", ["nn.AvgPoold2", "nn.Dropout2D", "nn.LTSM"])
def test_hub_api_typos_are_reported_on_their_line(report, typo):
    lines = _seed_lines("torch-module-flashcards.md")
    line = _line_of(lines, typo)
    column = lines[line - 1].index(typo) + 1
    on_line = [d for d in _diags(report, HUB, "VK2") if d["line"] == line]
    assert len(on_line) == 1, on_line
    assert on_line[0]["column"] == column
    assert typo.split(".")[-1] in on_line[0]["message"]


@needs_check
@needs_api
def test_fundamentals_note_has_no_api_name_findings(report):
    # Every name there is real: zero VK2 with the default selection (the deprecation
    # rule VK202, which would flag nn_utils.weight_norm, is opt-in).
    assert _diags(report, FUNDAMENTALS, "VK2") == []


@needs_check
@needs_api
def test_urls_and_ordinary_attributes_are_not_api_names(report):
    # Home.md links https://pytorch.org/docs/stable/nn.html; Torch Optim writes optimizer.zero_grad().
    assert _diags(report, "Home.md", "VK2") == []
    assert _diags(report, "PyTorch/Training/Torch Optim.md", "VK2") == []


# --- acceptance: spaced repetition (VK3) ----------------------------------------------


@needs_check
@needs_sr
def test_hub_schedules_from_2025_are_overdue(report):
    lines = _seed_lines("torch-module-flashcards.md")
    expected = {
        (n, text.index("<!--SR:") + 1)
        for n, text in enumerate(lines, 1)
        if "<!--SR:!2025-02-2" in text
    }
    assert len(expected) == 4
    overdue = {
        (d["line"], d["column"])
        for d in _diags(report, HUB, "VK3")
        if "overdue" in (d["rule"] + " " + d["message"]).lower()
    }
    assert overdue == expected


@needs_check
@needs_sr
def test_schedules_due_today_or_later_are_not_overdue(report):
    for path in ("PyTorch/Training/Torch Optim.md", "PyTorch/Torch Module.md"):
        overdue = [
            d
            for d in _diags(report, path, "VK3")
            if "overdue" in (d["rule"] + " " + d["message"]).lower()
        ]
        # Torch Optim: one card overdue (2026-10-01); the one due today is not.
        assert len(overdue) == (1 if path.endswith("Torch Optim.md") else 0), overdue


# --- acceptance: code blocks (VK4) ----------------------------------------------------


def _problems(report: dict, path: str) -> list[dict]:
    """VK4 findings a user must act on (hints and infos, e.g. deprecation warnings, aside)."""
    return [
        d
        for d in report["diagnostics"]
        if d["path"] == path and d["code"].startswith("VK4") and d["severity"] in ("error", "warning")
    ]


@pytest.mark.slow
@needs_check
@needs_exec
def test_hub_first_block_fails_with_taberror_at_the_ellipsis_line(exec_report):
    lines = _seed_lines("torch-module-flashcards.md")
    line = _line_of(lines, "        ...")
    first_block_end = _line_of(lines, "```", start=_line_of(lines, "```python") + 1)
    found = [d for d in _problems(exec_report, HUB) if d["line"] <= first_block_end]
    assert [d["line"] for d in found] == [line], found
    assert "TabError" in found[0]["message"]


@pytest.mark.slow
@needs_check
@needs_exec
def test_fundamentals_code_failures_are_exactly_the_known_ones(exec_report):
    lines = _seed_lines("pytorch-fundamental-concepts.md")
    expected = {
        _line_of(lines, ".optim.Adam(model.parameters(), lr=0.001)"): "SyntaxError",
        _line_of(lines, "from sklearn.metrics"): "sklearn",
        _line_of(lines, "in train_loader:"): "train_loader",
        _line_of(lines, "in test_loader:"): "test_loader",
    }
    if importlib.util.find_spec("torchvision") is None:
        expected[_line_of(lines, "from torchvision import")] = "torchvision"
    else:  # the sandbox refuses the MNIST download instead
        expected[_line_of(lines, "train_dataset = datasets.MNIST(")] = "MNIST"
    found = {d["line"]: d["message"] for d in _problems(exec_report, FUNDAMENTALS)}
    assert set(found) == set(expected), found
    for line, word in expected.items():
        assert word in found[line], (line, found[line])


@pytest.mark.slow
@needs_check
@needs_exec
def test_companion_notes_code_runs_clean(exec_report):
    # Their blocks are meant to run; the torchtext block is behind <!-- vaultkit: skip -->.
    seeds = {HUB, FUNDAMENTALS}
    problems = [
        d
        for d in exec_report["diagnostics"]
        if d["path"] not in seeds
        and d["code"].startswith("VK4")
        and d["severity"] in ("error", "warning")
    ]
    assert problems == []

