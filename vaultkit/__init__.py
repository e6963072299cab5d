"""vaultkit: keep an Obsidian vault of study notes honest.

The small public API::

    import datetime, vaultkit
    vault = vaultkit.load_vault("path/to/vault")
    for d in vaultkit.check_vault(vault, today=datetime.date(2026, 11, 22)):
        print(d.path, d.span.line + 1, d.code, d.message)
    vault.backlinks("Folder/Note.md")

Names are imported lazily so that ``import vaultkit`` stays cheap (the CLI and
the language server import only what a command needs).
"""

__version__ = "0.1.0"

__all__ = ["Vault", "load_vault", "check_vault", "Diagnostic", "Severity", "__version__"]


def __getattr__(name):
    if name in ("Vault", "load_vault"):
        from .core import vault

        return getattr(vault, name)
    if name == "check_vault":
        from .runner import check_vault

        return check_vault
    if name in ("Diagnostic", "Severity"):
        from . import diagnostics

        return getattr(diagnostics, name)
    raise AttributeError(f"module 'vaultkit' has no attribute {name!r}")
