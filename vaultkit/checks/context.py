"""What every checker receives: the vault, the config, today, and services.

A checker is a pure function of this context: no clock, no globals.  Anything
that needs the world (the torch name index, results of running code blocks)
is computed by the runner beforehand and handed in here as data.

A context lives for one run (one ``check_notes`` or ``check_note`` call) over
a vault that does not change meanwhile, so what a checker derives from the
vault, the config or the services may be memoised in ``ctx.memo``; never in a
module global, which would outlive the run (the language server reuses its
process across edits).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..config import Config
from ..core.span import Span
from ..diagnostics import Diagnostic, Fix, Related
from .registry import Rule


@dataclass
class Context:
    vault: Any  # vaultkit.core.vault.Vault (Any to keep import cycles away)
    config: Config
    today: _dt.date
    # Services computed before checking; keys are documented by their families.
    services: Mapping[str, Any] = field(default_factory=dict)
    # Per-run memos of the checkers, by a key each checker chooses (see the module doc).
    memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    # code -> enabled / severity: config lookups repeated for every note and diagnostic.
    _enabled: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)
    _severity: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def enabled(self, rule: type[Rule]) -> bool:
        code = rule.code
        hit = self._enabled.get(code)
        if hit is None:
            hit = self._enabled[code] = self.config.is_enabled(code)
        return hit

    def diagnostic(
        self,
        rule: type[Rule],
        path: str,
        span: Span,
        message: str,
        *,
        fix: Fix | None = None,
        related: Iterable[Related] = (),
        alternatives: Iterable[Fix] = (),
        data: dict | None = None,
    ) -> Diagnostic:
        code = rule.code
        severity = self._severity.get(code)
        if severity is None:
            severity = self._severity[code] = self.config.severity_of(code, rule.severity)
        return Diagnostic(
            path,
            span,
            code,
            rule.name,
            severity,
            message,
            fix,
            related if type(related) is tuple else tuple(related),
            alternatives if type(alternatives) is tuple else tuple(alternatives),
            data or {},
        )

    def option(self, section: str, key: str) -> Any:
        return self.config.option(section, key)
