"""The rule families.  Importing this package registers every rule and checker."""

from . import api_names, code_blocks, files, links, schedules  # noqa: F401  (registration)
from .registry import CHECKERS, RULES, Rule, checker, find_rule, matches

__all__ = ["CHECKERS", "RULES", "Rule", "checker", "find_rule", "matches"]
