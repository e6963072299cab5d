"""The rule catalogue.

A rule is a class whose docstring is its documentation (``vaultkit rule VK101``
prints it) and whose attributes give its stable code, its kebab-case name and
its default severity.  A *checker* is a pure function ``(note, ctx) ->
Iterable[Diagnostic]`` that may emit several related rules; it is registered
with the rules it emits so that the engine can skip it when none of them is
selected.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Iterable

from ..diagnostics import Severity

RULES: dict[str, type["Rule"]] = {}
CHECKERS: list["Checker"] = []


class Rule:
    code: str = ""
    name: str = ""
    severity: Severity = Severity.WARNING
    fixable: str = "none"  # "none" | "safe" | "unsafe" | "sometimes"
    # Opt-in rules run only when selected by their code or a prefix, never by "ALL".
    opt_in: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.code:
            return
        if cls.code in RULES and RULES[cls.code] is not cls:
            raise RuntimeError(f"duplicate rule code {cls.code}")
        if not cls.__doc__:
            raise RuntimeError(f"rule {cls.code} needs a docstring: it is its documentation")
        RULES[cls.code] = cls

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().splitlines()[0] if cls.__doc__ else ""


@dataclass(frozen=True)
class Checker:
    func: Callable[..., Iterable]
    codes: tuple[str, ...]
    # "note": called once per note; "vault": called once with the vault.
    scope: str = "note"


def checker(*rules: type[Rule], scope: str = "note"):
    """Register a checker function emitting the given rules."""

    def wrap(func):
        CHECKERS.append(Checker(func, tuple(r.code for r in rules), scope))
        return func

    return wrap


def selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    """Whether ``code`` runs under these select/ignore patterns."""
    if matches(code, ignore):
        return False
    rule = RULES.get(code)
    if rule is not None and rule.opt_in:
        return matches(code, [p for p in select if p.strip().upper() != "ALL"])
    return matches(code, select)


def matches(code: str, patterns: Iterable[str]) -> bool:
    """Prefix match as in ruff: "VK1" selects VK101..VK199; "ALL" selects all."""
    for pattern in patterns:
        pattern = pattern.strip().upper()
        if pattern == "ALL" or code.startswith(pattern):
            return True
    return False


def find_rule(code_or_name: str) -> type[Rule] | None:
    key = code_or_name.strip()
    if key.upper() in RULES:
        return RULES[key.upper()]
    for rule in RULES.values():
        if rule.name == key.lower():
            return rule
    return None
