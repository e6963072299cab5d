"""Configuration: defaults < ``[tool.vaultkit]`` in pyproject.toml or
``.vaultkit.toml`` at the vault root < command-line flags / editor settings.

The file format (TOML, keys in kebab-case)::

    select = ["VK"]            # code prefixes to run ("ALL" = everything)
    ignore = ["VK305"]
    exclude = ["Templates/**"] # notes not reported on (still link targets)
    fail-on = "warning"

    [severity]                 # per-rule severity override
    VK101 = "warning"

    [sr]                       # rule options, one table per family
    grace-days = 0

A ``.vaultkit.toml`` wins over ``pyproject.toml`` when both exist.
"""

from __future__ import annotations

import copy
import tomllib
from functools import lru_cache
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from .diagnostics import Severity

# Options of each family with their defaults.  A family module documents the
# meaning of its keys in its rules' docstrings.
DEFAULT_SECTIONS: dict[str, dict[str, Any]] = {
    "links": {
        # Obsidian still indexes links inside %%comments%%; vaultkit treats
        # them as commented out unless this is true (reference A1).
        "check-percent-comments": False,
        "suggest-cutoff": 75,
    },
    "sr": {"grace-days": 0},
    "api": {
        # module to index -> the aliases notes write for it
        "modules": {"torch": ["torch"]},
        "aliases": {
            "nn": "torch.nn",
            "F": "torch.nn.functional",
            "optim": "torch.optim",
        },
    },
    "exec": {
        "enabled": True,
        "timeout": 30.0,
        "memory-mb": 4096,
        "jobs": 0,  # 0 = number of CPUs
        "cache": True,
        "skip": [],  # globs of notes whose code is never run
        "run-on-save": True,  # the language server runs a note's code when it is saved
        # Share one warm worker between runs (vaultkit.execute.daemon): true, false, or
        # "auto" = true unless the CI environment variable is set.  VAULTKIT_EXEC_DAEMON=0/1 wins.
        "daemon": "auto",
        "keep-warm": 600,  # seconds the daemon waits for the next run before it exits
    },
}


class ConfigError(ValueError):
    """A configuration file or value that cannot be used; the message says where."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING
    sections: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: copy.deepcopy(DEFAULT_SECTIONS)
    )
    source: str | None = None  # the file the settings came from, for messages

    def option(self, section: str, key: str) -> Any:
        return self.sections.get(section, {}).get(key, DEFAULT_SECTIONS.get(section, {}).get(key))

    def with_options(self, section: str, **values: Any) -> "Config":
        sections = copy.deepcopy(dict(self.sections))
        sections.setdefault(section, {}).update(values)
        return replace(self, sections=sections)

    def is_enabled(self, code: str) -> bool:
        return _enabled(tuple(self.select), tuple(self.ignore), code)

    def severity_of(self, code: str, default: Severity) -> Severity:
        return self.severity.get(code, default)


@lru_cache(maxsize=4096)
def _enabled(select: tuple[str, ...], ignore: tuple[str, ...], code: str) -> bool:
    from . import checks  # registers every rule, so opt-in rules are known

    return checks.registry.selected(code, select, ignore)


def _kebab(key: str) -> str:
    return key.replace("_", "-")


def merge(base: Config, data: Mapping[str, Any], source: str | None = None) -> Config:
    """Apply one layer of settings (a parsed file or editor settings) on top of ``base``."""
    where = f" in {source}" if source else ""
    known_top = {"select", "ignore", "exclude", "extend-select", "extend-ignore", "severity", "fail-on"}
    changes: dict[str, Any] = {}
    sections = copy.deepcopy(dict(base.sections))
    for raw_key, value in data.items():
        key = _kebab(raw_key)
        if key in ("select", "ignore", "exclude", "extend-select", "extend-ignore"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{key}{where} must be a list of strings, got {value!r}")
            if key == "extend-select":
                changes["select"] = tuple(changes.get("select", base.select)) + tuple(value)
            elif key == "extend-ignore":
                changes["ignore"] = tuple(changes.get("ignore", base.ignore)) + tuple(value)
            else:
                changes[key] = tuple(value)
        elif key == "severity":
            if not isinstance(value, Mapping):
                raise ConfigError(f"severity{where} must be a table of CODE = \"level\"")
            merged = dict(base.severity)
            for code, level in value.items():
                try:
                    merged[code.upper()] = Severity.parse(str(level))
                except ValueError as exc:
                    raise ConfigError(f"severity.{code}{where}: {exc}") from None
            changes["severity"] = merged
        elif key == "fail-on":
            try:
                changes["fail_on"] = Severity.parse(str(value))
            except ValueError as exc:
                raise ConfigError(f"fail-on{where}: {exc}") from None
        elif key in DEFAULT_SECTIONS or isinstance(value, Mapping):
            if not isinstance(value, Mapping):
                raise ConfigError(f"[{key}]{where} must be a table")
            section = sections.setdefault(key, {})
            for opt, opt_value in value.items():
                section[_kebab(opt)] = opt_value
        elif key not in known_top:
            raise ConfigError(f"unknown setting {raw_key!r}{where}")
    if "exclude" in changes:
        changes["exclude"] = tuple(changes["exclude"])
    return replace(base, sections=sections, source=source or base.source, **changes)


def find_config_file(root: Path) -> tuple[Path, str] | None:
    """The settings file for a vault root: ``.vaultkit.toml`` first, then pyproject."""
    dotfile = root / ".vaultkit.toml"
    if dotfile.is_file():
        return dotfile, ""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        return pyproject, "tool.vaultkit"
    return None


def load_config(root: Path | None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Defaults, then the vault's config file, then ``overrides`` (CLI flags)."""
    config = Config()
    if root is not None:
        found = find_config_file(root)
        if found:
            path, table = found
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path}: {exc}") from None
            except OSError as exc:
                raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
            for part in table.split(".") if table else ():
                data = data.get(part, {})
            if data:
                config = merge(config, data, source=str(path))
    if overrides:
        config = merge(config, overrides, source="command line")
    return config
