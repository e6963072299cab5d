"""``python -m vaultkit.lsp``: the language server on stdio, without the CLI."""

from .server import main

main()
