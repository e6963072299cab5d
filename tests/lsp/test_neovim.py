"""A real editor: Debian's Neovim (0.7, push diagnostics), headless, opens a
note of the sample vault and records the vaultkit diagnostics it received."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lsp_helpers import write_vault

NVIM = shutil.which("nvim")

LUA = r"""
local out = os.getenv('VK_OUT')
local root = os.getenv('VK_ROOT')
local done = false
local handlers = {
  ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
    vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
    if result and #result.diagnostics > 0 and not done then
      done = true
      -- What the editor holds for the buffer, not just what was sent.
      local shown = {}
      for _, d in ipairs(vim.diagnostic.get(0)) do
        table.insert(shown, {lnum = d.lnum, col = d.col, code = d.code, source = d.source, message = d.message})
      end
      local f = io.open(out, 'w')
      f:write(vim.fn.json_encode({uri = result.uri, shown = shown}))
      f:close()
    end
  end,
}
local id = vim.lsp.start_client({
  name = 'vaultkit',
  cmd = {os.getenv('VK_PY'), '-m', 'vaultkit', 'lsp'},
  root_dir = root,
  workspace_folders = {{uri = vim.uri_from_fname(root), name = 'vault'}},
  handlers = handlers,
})
vim.lsp.buf_attach_client(0, id)
vim.wait(60000, function() return done end, 50)
vim.lsp.stop_client(id)
vim.cmd('qa!')
"""


@pytest.mark.slow
@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (.ci/run installs Debian's neovim)")
def test_neovim_receives_vaultkit_diagnostics(tmp_path: Path):
    vault = write_vault(tmp_path / "vault")
    config = tmp_path / "init.lua"
    config.write_text(LUA, encoding="utf-8")
    out = tmp_path / "diagnostics.json"
    note = vault / "Index.md"
    env = {
        "VK_OUT": str(out),
        "VK_ROOT": str(vault),
        "VK_PY": sys.executable,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(Path.home() / ".cache"),  # the API index cache
    }
    subprocess.run(
        [NVIM, "--headless", "--clean", str(note), "-c", f"luafile {config}"],
        env=env,
        timeout=120,
        check=False,
        capture_output=True,
    )
    assert out.exists(), "Neovim received no diagnostics from vaultkit"
    data = json.loads(out.read_text())
    assert data["uri"].endswith("/Index.md")
    shown = {(d["lnum"], d["code"]) for d in data["shown"]}
    assert all(d["source"] == "vaultkit" for d in data["shown"])
    assert any(code.startswith("VK1") and line == 2 for line, code in shown)  # [[Missing note]]
    assert any(code.startswith("VK1") and line == 3 for line, code in shown)  # [[Alpha#Nowhere]]
