"""The Neovim plugin (editors/nvim) in Debian's Neovim, headless: vault roots, and a
real session against `vaultkit lsp` (diagnostics, a quick fix, go-to-definition, the
:VaultkitRunBlocks / :VaultkitGraph / :VaultkitRestart commands)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PLUGIN = REPO / "editors" / "nvim"
SAMPLE_VAULT = REPO / "vault-sample"
FLASHCARDS = "Deep Learning/torch-module-flashcards.md"
NVIM = shutil.which("nvim")

pytestmark = pytest.mark.skipif(NVIM is None, reason="nvim is not installed (apt-get install neovim)")


def nvim_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # keep Neovim's logs, shada and state out of the user's home
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / "xdg" / var.lower())
    env.update(extra)
    return env


def run_lua(tmp_path: Path, script: str, env: dict[str, str] | None = None, timeout: int = 60):
    """Run a Lua chunk in headless Neovim with the plugin on the runtimepath."""
    path = tmp_path / "script.lua"
    path.write_text(script, encoding="utf-8")
    proc = subprocess.run(
        [NVIM, "--headless", "--noplugin", "-i", "NONE", "-n", "-u", "NONE",
         "--cmd", f"set runtimepath^={PLUGIN}", "-c", f"luafile {path}", "-c", "qall!"],
        capture_output=True, text=True, timeout=timeout, env=env or nvim_env(tmp_path),
    )
    return proc


def find_roots(tmp_path: Path, files: list[Path]) -> list[str | None]:
    out = tmp_path / "roots.json"
    paths = json.dumps([str(f) for f in files])
    script = f"""
local root = require("vaultkit.root")
local groups = {{ {{ ".obsidian", ".vaultkit.toml" }}, {{ ".git" }} }}
local found = {{}}
for _, path in ipairs(vim.fn.json_decode([=[{paths}]=])) do
  table.insert(found, root.find(path, groups) or vim.NIL)
end
local f = io.open([[{out}]], "w"); f:write(vim.fn.json_encode(found)); f:close()
"""
    proc = run_lua(tmp_path, script)
    assert out.exists(), proc.stderr
    return json.loads(out.read_text())


def test_root_is_the_vault_even_inside_a_git_repository(tmp_path):
    repo = tmp_path / "repo"
    vault = repo / "notes"
    (repo / ".git").mkdir(parents=True)
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "Deep" / "er").mkdir(parents=True)
    toml_vault = tmp_path / "other"
    toml_vault.mkdir()
    (toml_vault / ".vaultkit.toml").write_text("", encoding="utf-8")
    plain = tmp_path / "plain"
    plain.mkdir()
    files = [vault / "Deep" / "er" / "a.md", repo / "README.md", toml_vault / "b.md", plain / "c.md"]
    assert find_roots(tmp_path, files) == [str(vault), str(repo), str(toml_vault), None]


def test_setup_adds_the_commands_and_does_not_start_outside_a_vault(tmp_path):
    out = tmp_path / "out.json"
    note = tmp_path / "loose.md"
    note.write_text("# loose note\n", encoding="utf-8")
    script = f"""
require("vaultkit").setup({{ cmd = {{ "false" }} }})
vim.cmd("filetype on")
vim.cmd("edit {note}")
local clients = require("vaultkit.compat").clients("vaultkit")
local result = {{
  commands = vim.tbl_keys(vim.api.nvim_get_commands({{}})),
  filetype = vim.bo.filetype,
  clients = #clients,
}}
local f = io.open([[{out}]], "w"); f:write(vim.fn.json_encode(result)); f:close()
"""
    proc = run_lua(tmp_path, script)
    assert out.exists(), proc.stderr
    result = json.loads(out.read_text())
    assert {"VaultkitRunBlocks", "VaultkitGraph", "VaultkitRestart"} <= set(result["commands"])
    assert result["filetype"] == "markdown"
    assert result["clients"] == 0


def _server_log(tmp_path: Path) -> str:
    logs = [p for p in (tmp_path / "xdg").rglob("lsp.log")] + [tmp_path / "server.log"]
    return "\n".join(p.read_text(errors="replace")[-4000:] for p in logs if p.exists())


@pytest.mark.slow
def test_end_to_end_diagnostics_quick_fix_and_definition(tmp_path):
    if not (SAMPLE_VAULT / FLASHCARDS).is_file():
        pytest.skip(f"vault-sample/{FLASHCARDS} is not there yet")
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)  # the quick fix edits the buffer, never the repository
    note = vault / FLASHCARDS
    text_before = note.read_text(encoding="utf-8")
    out = tmp_path / "e2e.json"
    env = nvim_env(
        tmp_path,
        VAULTKIT_E2E_OUT=str(out),
        VAULTKIT_E2E_NOTE=str(note),
        VAULTKIT_E2E_TYPO="nn.LTSM",
        VAULTKIT_E2E_LINK="Torch Module",
        VAULTKIT_E2E_TIMEOUT="90000",
        # settings given to setup() reach the server: schedules become hints
        VAULTKIT_E2E_SETTINGS=json.dumps({"severity": {"VK301": "hint"}}),
        VAULTKIT_E2E_CMD=json.dumps(
            [sys.executable, "-m", "vaultkit", "lsp", "--log-file", str(tmp_path / "server.log")]
        ),
    )
    proc = subprocess.run(
        [NVIM, "--headless", "--noplugin", "-i", "NONE", "-n",
         "-u", str(PLUGIN / "tests" / "minimal_init.lua"),
         "-c", f"luafile {PLUGIN / 'tests' / 'e2e.lua'}"],
        cwd=vault, capture_output=True, text=True, timeout=400, env=env,
    )
    assert out.exists(), f"nvim wrote no result:\n{proc.stderr}\n{_server_log(tmp_path)}"
    result = json.loads(out.read_text())
    assert result["ok"], f"{result.get('error')}\nsteps done: {result['steps']}\n{_server_log(tmp_path)}"

    # the plugin rooted the server at the vault (the folder with .obsidian)
    assert Path(result["root_dir"]) == vault

    # VK201 on each misspelt API name, on the lines where they are written
    lines = text_before.splitlines()
    vk201_lines = sorted(d["line"] for d in result["diagnostics"] if d["code"] == "VK201")
    for typo in ("nn.LTSM", "nn.AvgPoold2", "nn.Dropout2D"):
        line = next(i for i, text in enumerate(lines) if typo in text)
        assert line in vk201_lines, f"no VK201 for {typo} on line {line}: {result['diagnostics']}"
    typo_diag = next(d for d in result["diagnostics"] if d["code"] == "VK201" and d["line"] == result["fix_line"])
    assert "nn.LTSM" in typo_diag["message"]

    overdue = [d for d in result["diagnostics"] if d["code"] == "VK301"]
    assert overdue and all(d["severity"] == 4 for d in overdue), overdue  # 4 = Hint

    # the quick fix rewrote the name in the buffer, and only in the buffer
    assert result["applied_title"].startswith("Replace with")
    assert "nn.LTSM" in result["line_before"]
    assert result["line_after"] == result["line_before"].replace("nn.LTSM", "nn.LSTM")
    assert note.read_text(encoding="utf-8") == text_before

    # go-to-definition on [[Torch Module]] opened the target note
    assert Path(result["definition_buffer"]) == vault / "PyTorch" / "Torch Module.md"

    # :VaultkitRunBlocks: the server ran the note's code and reported on it (VK4xx)
    assert result["run_blocks"]["error"] is None
    assert any(code.startswith("VK4") for code in result["codes_after_run"]), result["codes_after_run"]

    # :VaultkitGraph wrote a self-contained HTML page outside the vault
    graph = Path(result["graph"]["path"])
    assert result["graph"]["head"].lstrip().lower().startswith("<!doctype html")
    assert vault not in graph.parents

    # :VaultkitRestart replaced the server process and diagnostics came back
    restart = result["restart"]
    assert restart["new_id"] != restart["old_id"] and not restart["old_alive"]
    assert restart["diagnosed"]
