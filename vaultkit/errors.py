"""Errors that front ends turn into a message and an exit status, never a traceback."""


class VaultkitError(Exception):
    """Base class; ``str(exc)`` is the message shown to the user."""


class UsageError(VaultkitError):
    """Unusable arguments or vault path: exit status 2."""
