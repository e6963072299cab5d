"""``vaultkit rule CODE``: print one rule's documentation (its docstring)."""

from __future__ import annotations

from ..errors import UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser("rule", help="explain one rule", description="Print a rule's documentation.")
    parser.add_argument("code", metavar="CODE", help="a rule code (VK101) or name (broken-wikilink)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..checks import RULES, find_rule

    rule = find_rule(args.code)
    if rule is None:
        close = [c for c in sorted(RULES) if c.startswith(args.code.upper()[:4])] or sorted(RULES)[:5]
        raise UsageError(f"no rule {args.code!r}; try one of {', '.join(close)} (`vaultkit rules` lists all)")
    print(f"# {rule.code} {rule.name}\n")
    print(f"Default severity: {rule.severity.label}. Fix: {rule.fixable}.\n")
    print(rule.doc())
    return 0
