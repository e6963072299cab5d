"""``python -m vaultkit.lsp``: the language server on stdio, without the CLI."""

from .server import main

# Guarded: multiprocessing's forkserver imports the main module in its workers.
if __name__ == "__main__":
    main()
