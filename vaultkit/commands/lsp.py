"""``vaultkit lsp``: run the language server on stdio (or TCP with ``--tcp``)."""

from __future__ import annotations

import logging
import sys

from ..errors import UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "lsp",
        help="run the language server (stdio)",
        description="Run the vaultkit language server for editors. It speaks LSP on stdin/stdout "
        "unless --tcp is given, and checks with the same rules and settings as `vaultkit check`.",
    )
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead of stdio")
    parser.add_argument("--log-file", metavar="PATH", help="write the server's log to PATH")
    parser.add_argument(
        "--log-level", default="warning", choices=["debug", "info", "warning", "error"], help="log detail"
    )
    parser.set_defaults(handler=run)


def parse_tcp(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--tcp expects HOST:PORT (for example 127.0.0.1:2087), got {value!r}")
    return host or "127.0.0.1", int(port)


def run(args) -> int:
    tcp = parse_tcp(args.tcp) if args.tcp else None
    # stdout carries the protocol: logs go to stderr or a file, never stdout.
    handler = logging.FileHandler(args.log_file, encoding="utf-8") if args.log_file else logging.StreamHandler(sys.stderr)
    logging.basicConfig(level=args.log_level.upper(), handlers=[handler], format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from ..lsp.server import main

    main(tcp)
    return 0
