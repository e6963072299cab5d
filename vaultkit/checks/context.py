"""What every checker receives: the vault, the config, today, and services.

A checker is a pure function of this context: no clock, no globals.  Anything
that needs the world (the torch name index, results of running code blocks)
is computed by the runner beforehand and handed in here as data.
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

    def enabled(self, rule: type[Rule]) -> bool:
        return self.config.is_enabled(rule.code)

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
        return Diagnostic(
            path=path,
            span=span,
            code=rule.code,
            rule=rule.name,
            severity=self.config.severity_of(rule.code, rule.severity),
            message=message,
            fix=fix,
            related=tuple(related),
            alternatives=tuple(alternatives),
            data=data or {},
        )

    def option(self, section: str, key: str) -> Any:
        return self.config.option(section, key)
