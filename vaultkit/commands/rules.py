"""``vaultkit rules``: list every rule with its code, name, severity and summary."""

from __future__ import annotations

import json
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("rules", help="list every rule",
                                   description="List every rule: code, name, default severity, fixability, summary.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..checks import RULES

    rules = [RULES[code] for code in sorted(RULES)]
    if args.format == "json":
        json.dump([
            {"code": r.code, "name": r.name, "severity": r.severity.label, "fixable": r.fixable,
             "opt_in": r.opt_in,
             "summary": r.summary(), "doc": r.doc()}
            for r in rules
        ], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max(len(r.name) for r in rules)
    for r in rules:
        fix = {"safe": "fix", "unsafe": "fix*", "sometimes": "fix?"}.get(r.fixable, "")
        opt = " (opt-in)" if r.opt_in else ""
        print(f"{r.code}  {r.name:<{width}}  {r.severity.label:<7}  {fix:<4}  {r.summary()}{opt}")
    print("\nfix = safe fix (--fix); fix* = unsafe fix (--unsafe-fixes); fix? = some cases. "
          "Opt-in rules run only when selected by code or prefix. `vaultkit rule CODE` explains one rule.")
    return 0
