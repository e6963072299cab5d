"""One module per ``vaultkit`` subcommand; each exposes ``register`` and ``run``."""

# Order is the order of ``vaultkit --help``.
COMMANDS = ("check", "graph", "run", "rules", "rule", "api_index", "lsp", "daemon")
