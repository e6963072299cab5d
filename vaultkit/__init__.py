"""vaultkit: keep an Obsidian vault of study notes honest.

The small public API::

    vault = vaultkit.load_vault("path/to/vault")
    for diagnostic in vaultkit.check_vault(vault, today=datetime.date(2026, 11, 22)):
        ...
"""

__version__ = "0.1.0"

from .core.vault import Vault, load_vault  # noqa: E402
from .diagnostics import Diagnostic, Severity  # noqa: E402


def check_vault(vault, config=None, today=None, **kwargs):
    """Run every selected rule on ``vault``; see :func:`vaultkit.runner.check_vault`."""
    from .runner import check_vault as _check

    return _check(vault, config=config, today=today, **kwargs)


__all__ = ["Vault", "load_vault", "check_vault", "Diagnostic", "Severity", "__version__"]
