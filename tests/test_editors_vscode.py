"""The VS Code extension (editors/vscode): its manifest matches its code, it
builds with strict TypeScript, and the packaged .vsix holds what it needs at run time."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

EXT = Path(__file__).resolve().parent.parent / "editors" / "vscode"
MANIFEST = json.loads((EXT / "package.json").read_text(encoding="utf-8"))
SOURCES = {p.name: p.read_text(encoding="utf-8") for p in sorted((EXT / "src").glob("*.ts"))}
CODE = "\n".join(SOURCES.values())


def _constants() -> dict[str, str]:
    return dict(re.findall(r'const\s+([A-Z_]+)\s*=\s*"([^"]+)"', CODE))


def _registered_commands() -> set[str]:
    constants = _constants()
    found = set()
    for arg in re.findall(r"registerCommand\(\s*([A-Z_]+|\"[^\"]+\")", CODE):
        found.add(arg.strip('"') if arg.startswith('"') else constants[arg])
    return found


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.search(r"(\d+)\.(\d+)\.(\d+)", text).groups())


def test_every_contributed_command_is_registered_and_vice_versa():
    contributed = {c["command"] for c in MANIFEST["contributes"]["commands"]}
    assert contributed == _registered_commands()
    assert {"vaultkit.restartServer", "vaultkit.runNoteCodeBlocks", "vaultkit.openGraph"} <= contributed


def test_no_client_command_clashes_with_the_servers_run_command():
    # vscode-languageclient registers the server's executeCommand ids itself;
    # registering the same id again makes activation fail.
    assert _constants()["SERVER_RUN_CODE_BLOCKS"] == "vaultkit.runCodeBlocks"
    assert "vaultkit.runCodeBlocks" not in _registered_commands()


def test_every_contributed_setting_is_read_by_the_code():
    keys = MANIFEST["contributes"]["configuration"]["properties"]
    for key in keys:
        assert key.startswith("vaultkit."), key
        short = key.removeprefix("vaultkit.")
        if short == "trace.server":
            # read by vscode-languageclient for a client whose id is "vaultkit"
            assert 'new LanguageClient("vaultkit"' in CODE
        else:
            assert f'"{short}"' in CODE, f"setting {key} is contributed but never read"


def test_every_setting_the_code_reads_is_contributed():
    keys = set(MANIFEST["contributes"]["configuration"]["properties"])
    read = set(re.findall(r'config\.get<[^>]+>\("([^"]+)"', CODE))
    read |= set(re.findall(r'\[\s*"([a-zA-Z.]+)",\s*\[', SOURCES["settings.ts"]))  # SERVER_KEYS
    assert read, "no settings found in the code"
    assert {f"vaultkit.{k}" for k in read} <= keys


def test_rule_settings_are_forwarded_under_the_config_file_keys():
    # the server reads the same keys as .vaultkit.toml (kebab-case, [exec] table)
    pairs = dict(re.findall(r'\[\s*"([a-zA-Z.]+)",\s*\[([^\]]*)\]', SOURCES["settings.ts"]))
    forwarded = {k: [s.strip().strip('"') for s in v.split(",")] for k, v in pairs.items()}
    assert forwarded["severity"] == ["severity"]
    assert forwarded["ignore"] == ["ignore"]
    assert forwarded["exec.timeout"] == ["exec", "timeout"]
    assert forwarded["exec.runOnSave"] == ["exec", "run-on-save"]


def test_activates_on_markdown_and_on_obsidian_vaults():
    events = MANIFEST["activationEvents"]
    assert "onLanguage:markdown" in events
    # an exact path is checked with a stat (works for a folder); globs go
    # through file search, which only finds files, hence the inner *.json
    assert "workspaceContains:.obsidian" in events
    assert any(e.startswith("workspaceContains:**/.obsidian/") for e in events)


def test_engine_is_new_enough_for_the_client_library_and_the_typings():
    engine = _version(MANIFEST["engines"]["vscode"])
    lock = json.loads((EXT / "package-lock.json").read_text(encoding="utf-8"))
    client = lock["packages"]["node_modules/vscode-languageclient"]
    assert engine >= _version(client["engines"]["vscode"])
    typings = lock["packages"]["node_modules/@types/vscode"]["version"]
    # typings newer than the engine would let the code use APIs older VS Codes lack
    assert _version(typings) <= engine


def test_server_document_selector_is_markdown_files():
    assert re.search(r'documentSelector:\s*\[\{\s*scheme:\s*"file",\s*language:\s*"markdown"\s*\}\]', CODE)
    assert MANIFEST["main"] == "./out/extension.js"


def _run(cwd: Path, *cmd: str) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the extension after `npm ci`, `npm run compile` and `npm run package`."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    work = tmp_path_factory.mktemp("vscode") / "vscode"
    shutil.copytree(EXT, work, ignore=shutil.ignore_patterns("node_modules", "out", "*.vsix"))
    _run(work, npm, "ci", "--no-audit", "--no-fund")
    compiled = _run(work, npm, "run", "compile")
    _run(work, npm, "run", "package")
    return work, compiled


@pytest.mark.slow
def test_compiles_with_strict_typescript(built):
    work, compiled = built
    assert json.loads((EXT / "tsconfig.json").read_text())["compilerOptions"]["strict"] is True
    assert "error TS" not in compiled
    assert (work / "out" / "extension.js").is_file()


@pytest.mark.slow
def test_unit_tests_of_settings_server_command_and_vault_root_pass(built):
    work, _ = built
    output = _run(work, "npm", "test")
    assert re.search(r"# pass ([1-9]\d*)", output) and "# fail 0" in output, output


@pytest.mark.slow
def test_vsix_holds_everything_the_extension_needs_at_run_time(built):
    work, _ = built
    vsix = work / f"vaultkit-{MANIFEST['version']}.vsix"
    assert vsix.is_file()

    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
        assert {"extension.vsixmanifest", "extension/package.json", "extension/out/extension.js"} <= names
        assert {"extension/readme.md", "extension/LICENSE.txt"} <= names
        # one bundle: no sources, no tests, no node_modules, no stray tsc output
        assert not [n for n in names if n.endswith(".ts") or "node_modules/" in n or "/test/" in n]
        assert [n for n in names if n.startswith("extension/out/")] == ["extension/out/extension.js"]
        bundle = archive.read("extension/out/extension.js").decode("utf-8")
        packaged = json.loads(archive.read("extension/package.json"))

    # vscode-languageclient is inside the bundle; only vscode and Node built-ins are required
    assert "node_modules/vscode-languageclient/lib/node/main.js" in bundle
    required = set(re.findall(r'require\("([^"]+)"\)', bundle))
    builtins = {"child_process", "crypto", "fs", "net", "os", "path", "util", "url", "events", "stream"}
    assert required - builtins == {"vscode"}
    assert "activate:" in bundle and "deactivate:" in bundle
    assert packaged["contributes"] == MANIFEST["contributes"]
    assert packaged["activationEvents"] == MANIFEST["activationEvents"]
