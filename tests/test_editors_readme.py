"""The configuration snippets in editors/README.md (Neovim, Helix, Zed, Emacs) and
the VS Code README: they parse in their own formats, and the settings they pass
are settings the vaultkit server accepts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from vaultkit.config import Config, merge

EDITORS = Path(__file__).resolve().parent.parent / "editors"
README = (EDITORS / "README.md").read_text(encoding="utf-8")


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_settings_example_is_accepted_by_the_server_config():
    (example,) = [b for b in blocks(README, "json") if '"lsp"' not in b]
    config = merge(Config(), json.loads(example))
    assert "VK305" in config.ignore
    assert config.option("exec", "timeout") == 60


def test_helix_snippet_is_valid_languages_toml():
    (snippet,) = blocks(README, "toml")
    data = tomllib.loads(snippet)
    server = data["language-server"]["vaultkit"]
    assert [server["command"], *server["args"]] == ["vaultkit", "lsp"]
    (language,) = data["language"]
    assert language["name"] == "markdown"
    assert "vaultkit" in language["language-servers"]
    assert ".obsidian" in language["roots"]
    merge(Config(), server["config"])  # initializationOptions the server understands


def test_zed_snippet_is_valid_settings_json():
    (snippet,) = [b for b in blocks(README, "json") if '"lsp"' in b]
    data = json.loads(snippet)
    vaultkit = data["lsp"]["vaultkit"]
    assert vaultkit["binary"]["arguments"] == ["lsp"]
    assert data["languages"]["Markdown"]["language_servers"][0] == "vaultkit"
    merge(Config(), vaultkit["initialization_options"])
    merge(Config(), vaultkit["settings"]["vaultkit"])


def test_emacs_snippets_are_balanced_and_register_the_server():
    snippets = blocks(README, "elisp")
    assert len(snippets) == 2
    for snippet in snippets:
        code = re.sub(r'"[^"]*"', '""', snippet)  # parentheses inside strings do not count
        depth = 0
        for char in code:
            depth += {"(": 1, ")": -1}.get(char, 0)
            assert depth >= 0, snippet
        assert depth == 0, snippet
    assert "(add-to-list 'eglot-server-programs" in snippets[0]
    assert "'(markdown-mode . (\"vaultkit\" \"lsp\"))" in snippets[0]
    assert ":vaultkit (:ignore [\"VK305\"]" in snippets[1]


@pytest.mark.skipif(shutil.which("nvim") is None, reason="nvim is not installed")
def test_lua_snippets_compile(tmp_path):
    snippets = blocks(README, "lua")
    assert len(snippets) >= 4
    for index, snippet in enumerate(snippets):
        (tmp_path / f"{index}.lua").write_text(snippet, encoding="utf-8")
    # a plugin-spec table is an expression, not a statement: compile it as `return ...`
    script = tmp_path / "check.lua"
    script.write_text(
        "local bad = {}\n"
        f"for i = 0, {len(snippets) - 1} do\n"
        f"  local src = io.open([[{tmp_path}/]] .. i .. '.lua'):read('*a')\n"
        "  if not loadstring(src) and not loadstring('return ' .. src) then\n"
        "    local _, err = loadstring(src); table.insert(bad, err)\n"
        "  end\n"
        "end\n"
        f"io.open([[{tmp_path}/result]], 'w'):write(table.concat(bad, '\\n'))\n",
        encoding="utf-8",
    )
    subprocess.run(
        ["nvim", "--headless", "-u", "NONE", "-i", "NONE", "-c", f"luafile {script}", "-c", "qall!"],
        capture_output=True, timeout=60,
    )
    assert (tmp_path / "result").read_text() == ""


def test_vscode_readme_documents_every_contributed_setting_and_command():
    manifest = json.loads((EDITORS / "vscode" / "package.json").read_text(encoding="utf-8"))
    readme = (EDITORS / "vscode" / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(vaultkit\.[\w.]+)` \|", readme, flags=re.M))
    assert documented == set(manifest["contributes"]["configuration"]["properties"])
    for command in manifest["contributes"]["commands"]:
        assert f"**{command['category']}: {command['title']}**" in readme
