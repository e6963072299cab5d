"""The index of real API names: built in a subprocess, cached, loaded without torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vaultkit.apiindex import cache, forget_loaded, load_index
from vaultkit.config import Config

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def index_dir(request) -> Path:
    """One torch index for the whole session (pytest's cache keeps it between runs).

    The files are keyed by torch version, so a stale one is never used.
    """
    return Path(request.config.cache.mkdir("vaultkit-api-index"))


@pytest.fixture
def index(index_dir, monkeypatch):
    monkeypatch.setenv("VAULTKIT_API_INDEX_DIR", str(index_dir))
    forget_loaded()
    yield load_index(Config())
    forget_loaded()


def test_index_knows_real_torch_names_and_not_imports(index):
    for real in ("torch.nn.Linear", "torch.nn.functional.relu", "torch.optim.AdamW",
                 "torch.optim.lr_scheduler.StepLR", "torch.utils.data.DataLoader",
                 "torch.Tensor.view", "torch.nn.Module.parameters", "torch.linalg.norm",
                 "torch.float32", "torch.nn.Module.training"):
        assert real in index, real
    # What torch merely imported is not torch's API.
    for imported in ("torch.os", "torch.math", "torch.nn.functional.np",
                     "torch.nn.functional.warnings", "torch.nn.functional.Callable"):
        assert imported not in index, imported
    assert len(index) > 3000


def test_entries_carry_kind_signature_summary_and_deprecation(index):
    linear = index.get("nn.Linear")
    assert linear.name == "torch.nn.Linear" and linear.kind == "class"
    assert "in_features" in linear.signature
    assert linear.summary and not linear.deprecated
    relu = index.get("torch.nn.functional.relu")
    assert relu.kind == "function"
    old = index.get("nn.init.kaiming_normal")
    assert old.deprecated and old.replacement == "torch.nn.init.kaiming_normal_"
    assert index.get("torch.nn.utils.weight_norm").deprecated
    assert index.get("nn.NoSuchThing") is None


def test_complete_lists_a_namespace(index):
    names = [entry.leaf for entry in index.complete("nn")]
    assert "Linear" in names and "LSTM" in names and "os" not in names
    assert [e.leaf for e in index.complete("torch.nn.")] == names


def test_second_load_reuses_the_cache_without_building(index_dir, monkeypatch):
    monkeypatch.setenv("VAULTKIT_API_INDEX_DIR", str(index_dir))
    path, key, built = cache.ensure("torch")
    assert path.is_file()
    stamp = path.stat().st_mtime_ns
    _, _, built_again = cache.ensure("torch")
    assert built_again is False
    assert path.stat().st_mtime_ns == stamp
    assert key.version and key.version in path.name


def test_checking_process_never_imports_torch(index_dir):
    # A fresh interpreter with a warm cache: load, resolve, suggest, and torch stays out.
    script = textwrap.dedent(
        """
        import sys
        from vaultkit.apiindex import load_index
        from vaultkit.apiindex.resolve import resolve, suggest
        index = load_index(None)
        result = resolve(index, ("nn", "LTSM"), index.aliases)
        suggest(index, result.namespace, "LTSM", index.aliases)
        index.get("nn.Linear")
        print("torch" in sys.modules, result.status)
        """
    )
    env = dict(os.environ, VAULTKIT_API_INDEX_DIR=str(index_dir))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "unknown"]


def test_missing_module_is_a_problem_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setenv("VAULTKIT_API_INDEX_DIR", str(tmp_path))
    forget_loaded()
    config = Config().with_options("api", modules={"no_such_module_xyz": ["nsm"]}, aliases={})
    index = load_index(config)
    assert len(index) == 0 and not index.aliases
    assert any("no_such_module_xyz" in p and "not installed" in p for p in index.problems)


def test_bad_api_settings_are_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("VAULTKIT_API_INDEX_DIR", str(tmp_path))
    forget_loaded()
    config = Config().with_options("api", modules=["torch"], aliases={"nn": 3})
    index = load_index(config)
    assert any("[api] modules must be a table" in p for p in index.problems)
    assert any("aliases.nn" in p for p in index.problems)


def test_numpy_is_indexed_the_same_way(tmp_path, monkeypatch):
    pytest.importorskip("numpy")
    monkeypatch.setenv("VAULTKIT_API_INDEX_DIR", str(tmp_path))
    forget_loaded()
    config = Config().with_options("api", modules={"numpy": ["np", "numpy"]}, aliases={})
    index = load_index(config)
    assert index.aliases["np"] == "numpy"
    assert "numpy.array" in index and "numpy.linalg.norm" in index
    assert "numpy.ndarray.reshape" in index
    forget_loaded()


def test_build_output_is_complete_json(tmp_path):
    # The build is a separate program: run it as the cache does and read what it wrote.
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit.apiindex.build", "json", str(tmp_path), "stem"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "stem.names.json").read_text())
    assert data["module"] == "json" and "json.dumps" in data["names"]
    assert "json.decoder" in data["namespaces"]
    details = json.loads((tmp_path / "stem.details.json").read_text())["details"]
    assert "obj" in details["json.dumps"][0]


def test_api_index_command_reports_location_version_and_count(index_dir, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("VAULTKIT_API_INDEX_DIR", str(index_dir))
    forget_loaded()
    import argparse

    from vaultkit.commands import api_index

    parser = argparse.ArgumentParser()
    api_index.register(parser.add_subparsers())
    args = parser.parse_args(["api-index", str(tmp_path), "--json"])
    assert args.handler(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cache_dir"] == str(index_dir)
    (torch_info,) = report["modules"]
    assert torch_info["module"] == "torch" and torch_info["names"] > 3000
    assert torch_info["version"].startswith("2.")
    assert report["aliases"]["F"] == "torch.nn.functional"

    args = parser.parse_args(["api-index", str(tmp_path)])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert f"cache: {index_dir}" in out and "torch 2." in out and "names" in out
