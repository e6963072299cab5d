"""`vaultkit check` as CI uses it: exit codes, selection, configuration precedence, caching."""

from __future__ import annotations

import os
import time


def check(cli, root, *extra):
    return cli(["check", root, "--no-exec", "--today", "2026-11-22", "--format", "json", *extra])


def codes(result):
    return sorted({d["code"] for d in result.json()["diagnostics"]})


def test_exit_status_follows_fail_on(cli, make_vault):
    root = make_vault({"A.md": "[[A]] ok", "B.md": "see `nn.LTSM` and [[A]]"})
    clean = make_vault({"A.md": "# A\n[[A#A]]"}, name="clean")
    assert check(cli, clean).code == 0
    warned = check(cli, root, "--select", "VK2")
    assert warned.code == 1 and codes(warned) == ["VK201"]
    assert check(cli, root, "--select", "VK2", "--fail-on", "error").code == 0


def test_usage_errors_exit_2_with_a_message(cli, make_vault, tmp_path):
    root = make_vault({"A.md": ""})
    for argv, words in [
        (["check", tmp_path / "nope"], "no such folder"),
        (["check", root / "A.md"], "not a folder"),
        (["check", root, "--today", "22/11/2026"], "YYYY-MM-DD"),
        (["check", root, "--format", "xml"], "invalid choice"),
        (["check", root, "--unsafe-fixes"], "--fix or --diff"),
        (["rule", "VK999"], "no rule"),
    ]:
        result = cli(argv)
        assert result.code == 2, argv
        assert words in result.err and "Traceback" not in result.err


def test_select_and_ignore_by_prefix(cli, make_vault):
    root = make_vault({"A.md": "[[Gone]] `nn.LTSM` one ^x\n\ntwo ^x\n"})
    assert codes(check(cli, root)) == ["VK101", "VK107", "VK201"]
    assert codes(check(cli, root, "--select", "VK1")) == ["VK101", "VK107"]
    assert codes(check(cli, root, "--ignore", "VK10")) == ["VK201"]
    assert codes(check(cli, root, "--select", "VK1", "--ignore", "VK107")) == ["VK101"]


def test_config_file_then_command_line(cli, make_vault):
    files = {"A.md": "[[Gone]] `nn.LTSM`"}
    root = make_vault({**files, "pyproject.toml": '[tool.vaultkit]\nignore = ["VK2"]\n[tool.vaultkit.severity]\nVK101 = "info"\n'})
    result = check(cli, root)
    assert codes(result) == ["VK101"] and result.json()["diagnostics"][0]["severity"] == "info"
    assert result.code == 0  # info is below the default fail-on (warning)
    # .vaultkit.toml wins over pyproject.toml
    (root / ".vaultkit.toml").write_text('select = ["VK2"]\n', encoding="utf-8")
    assert codes(check(cli, root)) == ["VK201"]
    # the command line wins over both
    assert codes(check(cli, root, "--select", "VK1")) == ["VK101"]


def test_bad_config_file_is_a_located_usage_error(cli, make_vault):
    root = make_vault({"A.md": "", ".vaultkit.toml": "select = [VK1\n"})
    result = check(cli, root)
    assert result.code == 2 and ".vaultkit.toml" in result.err and "Traceback" not in result.err
    root2 = make_vault({"A.md": "", ".vaultkit.toml": 'colour = "red"\n'}, name="v2")
    result = check(cli, root2)
    assert result.code == 2 and "unknown setting 'colour'" in result.err


def test_warm_run_matches_cold_and_sees_changes(cli, make_vault):
    root = make_vault({"A.md": "[[Gone]]", "B.md": "[[A]]"})
    cold = check(cli, root).json()
    warm = check(cli, root).json()
    assert warm == cold
    time.sleep(0.01)
    (root / "Gone.md").write_text("now here", encoding="utf-8")
    os.utime(root / "A.md")
    assert check(cli, root).json()["diagnostics"] == []


def test_rules_and_rule_document_every_code(cli):
    listing = cli(["rules"])
    assert listing.code == 0
    for code in ("VK101", "VK201", "VK301", "VK401", "VK901"):
        assert code in listing.out
    doc = cli(["rule", "broken-wikilink"])
    assert doc.code == 0 and "VK101" in doc.out and "## Why is this bad?" in doc.out and "## Fix safety" in doc.out


def test_every_rule_docstring_has_the_documented_sections():
    from vaultkit.checks import RULES

    for code, rule in RULES.items():
        doc = rule.doc()
        for section in ("## What it does", "## Why is this bad?", "## Example", "## How to fix", "## Fix safety"):
            assert section in doc, f"{code} lacks {section}"
        assert rule.name == rule.name.lower() and " " not in rule.name


def test_parallel_check_gives_the_same_diagnostics(make_vault, monkeypatch, tmp_path):
    import datetime as dt

    from vaultkit import runner
    from vaultkit.config import Config
    from vaultkit.core.vault import load_vault

    monkeypatch.setenv("VAULTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(runner, "_PARALLEL_MIN_NOTES", 2)
    files = {f"n{i}.md": f"[[Gone {i}]] [[n{i + 1}#Nope]] `nn.LTSM`\nQ::A <!--SR:!2025-01-0{1 + i % 9},3,250-->\n"
             for i in range(12)}
    vault = load_vault(make_vault(files))
    services = runner.prepare_services(vault, Config())
    one = runner.check_vault(vault, Config(), dt.date(2026, 11, 22), services, jobs=1)
    forked = []
    real = runner._check_parallel
    monkeypatch.setattr(runner, "_check_parallel", lambda *a: forked.append(1) or real(*a))
    two = runner.check_vault(vault, Config(), dt.date(2026, 11, 22), services, jobs=2)
    assert forked == [1]  # the workers really ran
    assert one == two and len(one) > 30
    assert [d.fix for d in one] == [d.fix for d in two] and [d.data for d in one] == [d.data for d in two]
