"""The language server behind ``vaultkit lsp``.

``server`` registers handlers only; ``state`` keeps the vaults, the editor's
unsaved text and the diagnostics; ``convert`` translates vaultkit's data to LSP
types; the feature modules (``diagnostics``, ``navigation``, ``completion``,
``hover``, ``actions``, ``watch``) each answer one family of requests.  The
checks themselves are the engine's: the server decides nothing of its own.
"""
