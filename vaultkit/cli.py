"""The ``vaultkit`` command line: parse arguments, dispatch, return an exit code."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
from .commands import COMMANDS
from .errors import UsageError, VaultkitError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit status 2 with a one-line message, as argparse does
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vaultkit",
        description="Keep an Obsidian vault of study notes honest: links, PyTorch API names, "
        "spaced-repetition schedules and runnable code blocks.",
    )
    parser.add_argument("--version", action="version", version=f"vaultkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f".commands.{name}", __package__)
        module.register(sub)
    return parser


def run(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.handler(args) or 0)
    except UsageError as exc:
        print(f"vaultkit: error: {exc}", file=sys.stderr)
        return 2
    except VaultkitError as exc:
        print(f"vaultkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vaultkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


def main(argv: list[str] | None = None) -> None:
    global _EXIT_WITH
    _EXIT_WITH = []
    exit_now(run(argv))


# Large results a command hands over to live until the exit (see exit_now);
# None unless main() runs the command (called as a function, run() frees them).
_EXIT_WITH: list | None = None


def keep_until_exit(*objects) -> None:
    """Keep ``objects`` alive until the process exits, rather than freeing them
    object by object when the command returns: a 10k-note graph with its vault
    is some 10^6 objects, 0.15 s of deallocation that exit_now skips."""
    if _EXIT_WITH is not None:
        _EXIT_WITH.extend(objects)


def exit_now(code: int) -> None:
    """Exit with ``code`` after the atexit handlers and a flush, but without
    tearing the heap down object by object: after a large vault that took 0.2 to
    0.5 s (mypy exits the same way).  With other threads alive, exit normally so
    that they are joined; under a profiler or a coverage tracer too, so that they
    can report."""
    import threading

    if threading.active_count() != 1 or sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)
