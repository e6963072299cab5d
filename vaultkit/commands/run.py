"""``vaultkit run NOTE [--block N]``: run one note's code blocks and show what they did.

For a person at a terminal: each Python block's status, output and error, the
failing line of the note with a caret, and a spinner while the worker imports
torch.  Blocks run notebook-style (``--block N`` runs blocks 1..N, so block N
sees what the earlier ones defined, and shows only block N).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="run one note's Python code blocks in the sandbox and show their output",
        description="Run a note's python/py/python3 code blocks in order in one namespace, "
        "sandboxed (no network, vault read-only, time and memory limits), and print each "
        "block's output and errors.  Exit status 1 when a block fails.",
    )
    parser.add_argument("note", help="the note's .md file")
    parser.add_argument("--block", type=int, metavar="N",
                        help="show only the N-th Python block (1-based; blocks before it run too)")
    parser.add_argument("--exec-timeout", type=float, metavar="SECONDS",
                        help="time limit per block (default: [exec] timeout, 30)")
    parser.add_argument("--no-cache", action="store_true", help="run even if a cached result exists")
    parser.set_defaults(handler=run)


def _load(note_arg: str):
    from ..config import ConfigError, load_config
    from ..core.parse import parse_note
    from ..core.vault import find_vault_root

    path = Path(note_arg)
    if not path.exists():
        raise UsageError(f"{note_arg}: no such file")
    if not path.is_file():
        raise UsageError(f"{note_arg}: not a file (give a note's .md file)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{note_arg}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"{note_arg}: cannot read: {exc.strerror}") from None
    root = find_vault_root(path.resolve().parent)
    try:
        config = load_config(root)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    return parse_note(rel, text), text.splitlines(), config


def run(args) -> int:
    from rich.console import Console
    from rich.markup import escape

    from ..execute import results as R
    from ..execute import run_notes
    from ..execute.select import plan_note

    note, lines, config = _load(args.note)
    config = config.with_options("exec", enabled=True)  # asking to run wins over the config
    if args.exec_timeout is not None:
        if args.exec_timeout <= 0:
            raise UsageError("--exec-timeout must be a positive number of seconds")
        config = config.with_options("exec", timeout=args.exec_timeout)
    planned = plan_note(note, config)
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False)
    if not planned:
        out.print(f"{escape(note.path)}: no Python code blocks")
        return 0
    numbers = {p.index: n for n, p in enumerate(planned, 1)}
    show = set(numbers)
    if args.block is not None:
        if not 1 <= args.block <= len(planned):
            raise UsageError(f"--block must be between 1 and {len(planned)} "
                             f"({note.path} has {len(planned)} Python blocks)")
        last = planned[args.block - 1].index
        note = note._replace(code_blocks=note.code_blocks[: last + 1])
        show = {last}

    with err.status(f"Running the code of {escape(note.path)} (the first run imports torch)…",
                    spinner="dots"):
        run_result = run_notes(None, [note], config, use_cache=not args.no_cache)[note.path]
    if run_result.problem:
        err.print(f"vaultkit: error: {escape(run_result.problem)}")
        return 2
    where = ", ".join(run_result.sandbox) or "none"
    extra = " (cached result)" if run_result.cached else f" in {run_result.seconds:.2f} s"
    out.print(f"[bold]{escape(note.path)}[/]: {run_result.ran} block(s) ran{extra}; sandbox: {where}")
    failed = 0
    for result in run_result.blocks:
        if result.index not in show:
            continue
        block = note.code_blocks[result.index]
        failed += result.status == R.FAILED
        _print_block(out, escape, R, numbers[result.index], block, result, lines)
    return 1 if failed else 0


_STYLE = {"ok": "green", "failed": "red", "skipped": "yellow", "not-run": "yellow"}


def _note_line(block, frame) -> tuple[int, int, int]:
    from ..checks.code_blocks import frame_span

    span = frame_span(block, frame)
    return span.line, span.col, span.end_col


def _print_block(out, escape, R, number, block, result, lines) -> None:
    status = result.status if result.status != R.FAILED else (result.kind or "failed")
    if result.kind == R.CONSEQUENCE:
        status = "follow-on error of an earlier failure"
    colour = _STYLE.get(result.status, "red")
    head = f"── block {number} · line {block.span.line + 1} · [{colour}]{escape(status)}[/]"
    if result.status in (R.OK, R.FAILED):
        head += f" · {result.seconds:.2f} s"
    out.print(head)
    if result.status in (R.SKIPPED, R.NOT_RUN):
        out.print(f"   {escape(result.message)}")
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text.strip():
            out.print(f"   [dim]{name}:[/]")
            for line in text.rstrip("\n").split("\n"):
                out.print("   │ " + escape(line))
    for warning in result.warnings:
        if 0 <= warning.frame.block:
            line, _, _ = _note_line(block, warning.frame) if warning.frame.block == result.index else (-1, 0, 0)
            where = f"line {line + 1}: " if line >= 0 else ""
            out.print(f"   [yellow]{where}{escape(warning.category)}: {escape(warning.message)}[/]")
    if result.status == R.FAILED:
        message = f"{result.exc_type}: {result.message}" if result.exc_type else result.message
        out.print(f"   [red]{escape(message)}[/]")
        for frame in result.frames:
            if frame.block != result.index:
                out.print(f"   in {escape(frame.function)} (block at index {frame.block})")
                continue
            line, col, end = _note_line(block, frame)
            text = lines[line] if 0 <= line < len(lines) else ""
            out.print(f"   {line + 1:>5} │ {escape(text)}")
            out.print(f"   {'':>5} │ {' ' * col}[red]{'^' * max(end - col, 1)}[/]")
