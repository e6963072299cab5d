"""VK201/VK202 on real notes: what a user sees in `vaultkit check` for API names."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from vaultkit.apiindex import forget_loaded, load_index
from vaultkit.apiindex.refs import scan_code
from vaultkit.checks.api_names import check_api_names
from vaultkit.checks.context import Context
from vaultkit.config import Config

from seeds import SEEDS  # noqa: E402
TODAY = datetime.date(2026, 11, 22)


@pytest.fixture(scope="session")
def index_dir(request) -> Path:
    return Path(request.config.cache.mkdir("vaultkit-api-index"))


@pytest.fixture
def check(index_dir, monkeypatch, tmp_path):
    """``check({"A.md": text}, config=None) -> list[Diagnostic]`` through the real parser."""
    monkeypatch.setenv("VAULTKIT_API_INDEX_DIR", str(index_dir))
    forget_loaded()
    from vaultkit.core.vault import load_vault

    def run(files: dict[str, str], config: Config | None = None, services=None):
        root = tmp_path / "vault"
        root.mkdir(exist_ok=True)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        vault = load_vault(root, use_cache=False)
        config = config or Config()
        ctx = Context(vault, config, TODAY, services if services is not None else {})
        found = []
        for path in sorted(vault.notes):
            found.extend(check_api_names(vault.notes[path], ctx))
        return sorted(found, key=lambda d: d.sort_key())

    yield run
    forget_loaded()


def lines_of(diagnostics, code="VK201"):
    return [d.span.line + 1 for d in diagnostics if d.code == code]


def test_seed_flashcards_one_warning_per_misspelt_line(check):
    text = (SEEDS / "torch-module-flashcards.md").read_text(encoding="utf-8")
    found = check({"torch-module-flashcards.md": text})
    unknown = [d for d in found if d.code == "VK201"]
    by_line = {d.span.line + 1: d for d in unknown}
    assert sorted(by_line) == [30, 53, 54, 58]  # nn.sigmoid (code), AvgPoold2, Dropout2D, LTSM
    assert len(unknown) == 4
    assert "`nn.AvgPoold2` is not in torch 2." in by_line[53].message
    assert by_line[53].data["suggestions"][0] == "nn.AvgPool2d"
    assert by_line[54].data["suggestions"][0] == "nn.Dropout2d"
    assert by_line[58].data["suggestions"][0] == "nn.LSTM"
    assert by_line[30].data["suggestions"][:2] == ["torch.sigmoid", "F.sigmoid"]
    assert "nn.Sigmoid" in by_line[30].data["suggestions"]
    # The placeholder nn.BatchNorm?d (line 104) is shorthand, not a typo.
    assert 104 not in by_line


def test_seed_fundamentals_has_no_unknown_names(check):
    text = (SEEDS / "pytorch-fundamental-concepts.md").read_text(encoding="utf-8")
    # By default (select ALL) not one VK2 diagnostic: every name in it is real.
    assert check({"pytorch-fundamental-concepts.md": text}) == []
    # With the opt-in deprecation rule, its one deprecated call (nn_utils.weight_norm,
    # a FutureWarning at run time) is a hint.
    found = check({"pytorch-fundamental-concepts.md": text}, Config(select=("VK2",)))
    (hint,) = [d for d in found if d.code == "VK202"]
    assert hint.span.line + 1 == 92 and hint.severity.label == "hint"
    assert "nn_utils.weight_norm" in hint.message and "parametrizations.weight_norm" in hint.message


def test_fix_replaces_only_the_wrong_part(check):
    found = check({"A.md": "Layers: nn.LTSM and torch.nn.Dropout2D\n"})
    fixes = {d.span.col: d.fix for d in found}
    ltsm = fixes[8]
    assert ltsm.applicability == "unsafe"
    (edit,) = ltsm.edits
    assert (edit.span.col, edit.span.end_col, edit.new_text) == (11, 15, "LSTM")
    (edit,) = fixes[20].edits
    assert edit.new_text == "Dropout2d" and edit.span.col == 29


def test_wrong_namespace_fix_rewrites_the_reference(check):
    (d,) = check({"A.md": "Use `nn.relu` here\n"})
    assert d.data["suggestions"][:2] == ["torch.relu", "F.relu"]
    (edit,) = d.fix.edits
    assert edit.new_text == "torch.relu" and (edit.span.col, edit.span.end_col) == (5, 12)


def test_not_references(check):
    text = "\n".join([
        "np.array, self.linear, model.parameters, x.shape, os.path.join, e.g. this, F.A.Q.",
        "nn.Linear.weight and nn.Module.parameters and torch._C._foo are fine",
        "```python",
        "import torch",
        "s = 'nn.LTSM'  # nn.LTSM in a comment",
        "optim = torch.optim.Adam(params)",
        "optim.step(); optim.zero_grad()",
        "```",
        "",
    ])
    assert check({"A.md": text}) == []


def test_aliases_learned_from_the_notes_imports(check):
    text = "\n".join([
        "```python",
        "import torch.nn.utils as nn_utils",
        "from torch.nn import functional as fn",
        "x = fn.rleu(y)",
        "nn_utils.clip_grad_norm_(params, 1.0)",
        "nn_utils.clip_grad_nrom_(params, 1.0)",
        "```",
        "Prose uses the same alias: fn.softmx",
        "",
    ])
    found = check({"A.md": text})
    assert [(d.span.line + 1, d.data["suggestions"][0]) for d in found if d.code == "VK201"] == [
        (4, "fn.relu"), (6, "nn_utils.clip_grad_norm_"), (8, "fn.softmax"),
    ]


def test_misspelt_imports_are_reported(check):
    text = "```python\nfrom torch.nn import Lienar\nimport torch.nn.functionl as F\n```\n"
    found = check({"A.md": text})
    assert [(d.span.line + 1, d.data["suggestions"][0]) for d in found] == [
        (2, "torch.nn.Linear"), (3, "torch.nn.functional"),
    ]
    assert found[0].span.col == 21  # the imported name, not the whole statement


def test_broken_code_blocks_are_still_scanned(check):
    text = "\n".join([
        "```python",
        "class M(nn.Module):",
        "\tdef __init__(self):",
        "        self.l = nn.Lineer(2, 3)",
        "    def forward(self, x):",
        "\t    return nn.sigmoid(x",
        "```",
        "",
    ])
    found = check({"A.md": text})
    assert [(d.span.line + 1, d.span.col) for d in found] == [(4, 17), (6, 12)]


def test_placeholders(check):
    text = "nn.BatchNorm?d, nn.Conv{1,2,3}d, nn.*Loss are shorthand; nn.BatchNorn?d is not\n"
    (d,) = check({"A.md": text})
    assert "`nn.BatchNorn?d` matches no name in `nn`" in d.message
    assert d.fix is None


def test_case_only_difference_is_not_accepted(check):
    (d,) = check({"A.md": "torch.optim.Adamw\n"})
    assert d.data["suggestions"] == ["optim.AdamW"]
    assert "case-sensitive" in d.message


def test_rules_can_be_switched_off(check):
    text = "nn.LTSM and nn.init.kaiming_normal\n"
    assert {d.code for d in check({"A.md": text})} == {"VK201"}  # VK202 is opt-in
    assert {d.code for d in check({"A.md": text}, Config(select=("VK2",)))} == {"VK201", "VK202"}
    assert {d.code for d in check({"A.md": text}, Config(select=("ALL", "VK202")))} == {"VK201", "VK202"}
    assert {d.code for d in check({"A.md": text}, Config(select=("VK2",), ignore=("VK202",)))} == {"VK201"}
    assert check({"A.md": text}, Config(ignore=("VK2",))) == []


def test_service_from_the_runner_is_used(check, index_dir):
    index = load_index(Config())
    found = check({"A.md": "nn.LTSM\n"}, services={"api_index": index})
    assert [d.code for d in found] == ["VK201"]


def test_numpy_via_config(check):
    pytest.importorskip("numpy")
    config = Config().with_options("api", modules={"torch": ["torch"], "numpy": ["np"]})
    found = check({"A.md": "np.arrray and np.linalg.norm and nn.Linear\n"}, config)
    assert [(d.span.col, d.data["suggestions"][0]) for d in found] == [(0, "np.array")]


def test_code_positions_map_back_to_the_note():
    scan = scan_code(["x = 1", "  y = nn.Lin(2)"], first_line=10, columns=[4, 4])
    (ref,) = scan.references
    assert ref.parts == ("nn", "Lin")
    assert (ref.spans[1].line, ref.spans[1].col) == (11, 13)


def test_copy_of_seed_vault_end_to_end(check, tmp_path):
    files = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.md")}
    found = check(files)
    assert sorted((d.path, d.span.line + 1, d.code) for d in found) == [
        ("torch-module-flashcards.md", 30, "VK201"),
        ("torch-module-flashcards.md", 53, "VK201"),
        ("torch-module-flashcards.md", 54, "VK201"),
        ("torch-module-flashcards.md", 58, "VK201"),
    ]


def test_registered_with_the_engine(check, index_dir, tmp_path):
    import vaultkit
    from vaultkit.checks.registry import find_rule

    assert find_rule("VK201").name == "unknown-api-name"
    assert find_rule("deprecated-api-name").code == "VK202"
    root = tmp_path / "engine"
    root.mkdir()
    (root / "A.md").write_text("nn.LTSM\n<!-- vaultkit: disable-next-line VK201 -->\nnn.GUR\n", encoding="utf-8")
    found = vaultkit.check_vault(vaultkit.load_vault(root, use_cache=False), Config(select=("VK2",)), TODAY)
    assert [(d.code, d.span.line) for d in found] == [("VK201", 0)]


def test_a_whole_check_never_imports_torch(tmp_path):
    """`vaultkit check --no-exec` of a vault full of torch names, with the index cached:
    the checking process never imports torch (that is what the index is for)."""
    import os
    import subprocess
    import sys
    import textwrap

    vault = tmp_path / "vault"
    vault.mkdir()
    for name in ("torch-module-flashcards.md", "pytorch-fundamental-concepts.md"):
        (vault / name).write_bytes((SEEDS / name).read_bytes())
    script = textwrap.dedent(
        f"""
        import sys
        from vaultkit.cli import run
        for _ in range(2):  # the first run may build the index (in a subprocess)
            code = run(["check", {str(vault)!r}, "--no-exec", "--no-cache", "--format", "json",
                        "--today", "2026-11-22", "-o", {str(tmp_path / "report.json")!r}])
        print("torch" in sys.modules, code)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=dict(os.environ, VAULTKIT_CACHE_DIR=str(tmp_path / "cache")), timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "1"]
    assert '"code": "VK201"' in (tmp_path / "report.json").read_text(encoding="utf-8")
