"""VK4xx: the notes' Python code blocks, run notebook-style in a sandbox.

This checker only reads ``ctx.services["exec"]`` (``{path: NoteRun}``, made by
:func:`vaultkit.execute.run_notes` before checking); without that key (``--no-exec``)
it reports nothing.  Locations in a NoteRun are block-relative; here they are
placed on the note with the block's ``content_line`` and ``columns``.
"""

from __future__ import annotations

from typing import Iterable

from ..core.model import CodeBlock, Note
from ..core.span import Span
from ..diagnostics import Related, Severity
from ..execute import results as R
from .registry import Rule, checker


class CodeError(Rule):
    """A code block raises an exception or does not compile.

    ## What it does
    Runs the note's `python` / `py` / `python3` blocks in order in one
    namespace (a note is a notebook: later blocks see earlier imports), in a
    sandboxed child process, and reports each block that fails at the exact
    line and column of the note: syntax and indentation errors (a `TabError`
    in a block mixing tabs and spaces), and runtime exceptions at the
    innermost frame in the note's code, with the type and message.  The
    note-level traceback is in the related information.  Later blocks still
    run after a failure.

    ## Why is this bad?
    Code in study notes is copied into real projects and recalled in reviews;
    code that does not run teaches the wrong thing.

    ## Example
    ```python
    optimizer = torch

    .optim.Adam(model.parameters(), lr=0.001)
    ```
    `SyntaxError: invalid syntax` at the `.optim.Adam` line.

    ## How to fix
    Fix the code; `vaultkit run NOTE --block N` re-runs the note and shows each
    block's output.  Code that is not meant to run can be skipped (see Options).

    ## Fix safety
    No automatic fix.

    ## Options
    Section `[exec]` of the config (CLI flags in brackets):
    - `enabled` (default true) [`--no-exec`]: run code blocks at all.
    - `timeout` (seconds per block, default 30) [`--exec-timeout`].
    - `memory-mb` (default 4096): address space a note's code may add.
    - `jobs` (default 0 = number of CPUs) [`--jobs`]: notes run in parallel.
    - `cache` (default true) [`--no-cache`]: reuse results of unchanged blocks.
    - `skip` (list of globs, default []): notes whose code never runs.
    - `daemon` (default "auto": on unless `CI` is set): share one warm worker
      between runs (`vaultkit daemon status|stop`).
    - `keep-warm` (seconds, default 600): how long that worker waits idle.

    Per block: `<!-- vaultkit: skip -->` on the line before the fence, or
    `skip` / `notest` in the info string (```` ```python skip ````).  Per note:
    frontmatter `vaultkit: {exec: false}`.
    """

    code = "VK401"
    name = "code-error"
    severity = Severity.ERROR


class MissingModule(Rule):
    """A code block imports a module that is not installed.

    ## What it does
    Reports a `ModuleNotFoundError` at the import line, naming the module.

    ## Why is this bad?
    It is about the environment more than the note (`sklearn`, `torchvision`),
    hence a warning: the rest of the block did not run, so it was not checked.

    ## Example
    ```python
    from sklearn.metrics import accuracy_score
    ```
    `missing module 'sklearn'` (when scikit-learn is not installed).

    ## How to fix
    Install the module where vaultkit runs, or skip the block.

    ## Fix safety
    No automatic fix.

    ## Options
    Section `[exec]`: `enabled`, `timeout`, `memory-mb`, `jobs`, `cache`, `skip`;
    and the per-block skip markers.  See `vaultkit rule VK401`.
    """

    code = "VK402"
    name = "missing-module"
    severity = Severity.WARNING


class Timeout(Rule):
    """A code block ran longer than the time limit.

    ## What it does
    Each block gets `timeout` seconds of wall-clock time (and the note a CPU
    budget); the report points at the line that was running when the limit
    hit.  When the worker had to kill the process (stuck in C code), the
    note's later blocks did not run and the message says so.

    ## Why is this bad?
    A note that trains for minutes or waits forever blocks every check.

    ## Example
    ```python
    for epoch in range(1000):
        train(model)
    ```

    ## How to fix
    Shrink the example (fewer epochs, smaller tensors), raise `timeout`, or skip
    the block.

    ## Fix safety
    No automatic fix.

    ## Options
    Section `[exec]`: `enabled`, `timeout`, `memory-mb`, `jobs`, `cache`, `skip`;
    and the per-block skip markers.  See `vaultkit rule VK401`.
    """

    code = "VK403"
    name = "code-timeout"
    severity = Severity.ERROR


class MemoryLimit(Rule):
    """A code block exceeded the memory limit.

    ## What it does
    The child's address space is capped at `memory-mb` above what the worker
    already maps; a `MemoryError`, torch's `can't allocate memory` or a kill by
    the kernel is reported at the line that allocated.

    ## Why is this bad?
    Notes should hold examples, not workloads that can take a machine down.

    ## Example
    ```python
    x = torch.empty(2**33)
    ```

    ## How to fix
    Use smaller tensors, raise `memory-mb`, or skip the block.

    ## Fix safety
    No automatic fix.

    ## Options
    Section `[exec]`: `enabled`, `timeout`, `memory-mb`, `jobs`, `cache`, `skip`;
    and the per-block skip markers.  See `vaultkit rule VK401`.
    """

    code = "VK404"
    name = "memory-limit"
    severity = Severity.ERROR


class NetworkRefused(Rule):
    """A code block tried to use the network, which the sandbox refuses.

    ## What it does
    Blocks run without network (a network namespace where the platform allows,
    else a socket guard; the message says which).  A block failing because of
    that (a dataset download, an HTTP request) is reported at the line that
    tried.

    ## Why is this bad?
    Checks must be reproducible and must not reach out from CI or an editor;
    downloads also make runs slow.  The warning says the block is unchecked.

    ## Example
    ```python
    datasets.MNIST(root="./data", download=True)
    ```

    ## How to fix
    Use synthetic data (`torch.randn`, `TensorDataset`) in the note, or skip the
    block.

    ## Fix safety
    No automatic fix.

    ## Options
    Section `[exec]`: `enabled`, `timeout`, `memory-mb`, `jobs`, `cache`, `skip`;
    and the per-block skip markers.  See `vaultkit rule VK401`.
    """

    code = "VK405"
    name = "network-refused"
    severity = Severity.WARNING


class WarningRaised(Rule):
    """A code block raises a Python warning (deprecation and the like).

    ## What it does
    Records the warnings the note's code triggers (`FutureWarning`,
    `UserWarning`, `DeprecationWarning`; not `ResourceWarning`) at the note line
    that triggered them, once per place and message.

    ## Why is this bad?
    A deprecated API in a study note is one you will soon have to unlearn.

    ## Example
    ```python
    from torch.nn.utils import weight_norm
    layer = weight_norm(nn.Linear(20, 40))
    ```
    `FutureWarning: torch.nn.utils.weight_norm is deprecated ...`

    ## How to fix
    Follow the warning (here `torch.nn.utils.parametrizations.weight_norm`).

    ## Fix safety
    No automatic fix.

    ## Options
    Section `[exec]`: `enabled`, `timeout`, `memory-mb`, `jobs`, `cache`, `skip`;
    and the per-block skip markers.  See `vaultkit rule VK401`.
    """

    code = "VK406"
    name = "warning-raised"
    severity = Severity.HINT


class NeedsCuda(Rule):
    """A code block needs CUDA, which this machine does not have.

    ## What it does
    A failure whose message says CUDA is missing (`Torch not compiled with CUDA
    enabled`, `Found no NVIDIA driver`) on a machine where
    `torch.cuda.is_available()` is false is reported as information, not as an
    error in the note.

    ## Why is this bad?
    It is not: the code may be right.  It just could not be checked here.

    ## Example
    ```python
    x = torch.ones(3, device="cuda")
    ```

    ## How to fix
    Nothing, or write device-agnostic code:
    `device = "cuda" if torch.cuda.is_available() else "cpu"`.

    ## Fix safety
    No automatic fix.

    ## Options
    Section `[exec]`: `enabled`, `timeout`, `memory-mb`, `jobs`, `cache`, `skip`;
    and the per-block skip markers.  See `vaultkit rule VK401`.
    """

    code = "VK407"
    name = "needs-cuda"
    severity = Severity.INFO


class FollowOnError(Rule):
    """A NameError that only follows from an earlier failing block.

    ## What it does
    When a block fails (or is skipped), the names it would have defined stay
    undefined and later blocks using them raise `NameError`.  Such a failure is
    reported here, as information pointing at the first failure (in the
    message and the related information), instead of as a new VK401 error.

    ## Why is this bad?
    Fixing the first failure fixes these too; they are shown so you know the
    later code was not checked.

    ## Example
    Block 1 fails with a `TabError` before `from torch import nn`; block 2 uses
    `nn`: `NameError: name 'nn' is not defined (follows from the TabError at
    line 28, which would have defined it)`.

    ## How to fix
    Fix the earlier failure.

    ## Fix safety
    No automatic fix.

    ## Options
    Section `[exec]`: `enabled`, `timeout`, `memory-mb`, `jobs`, `cache`, `skip`;
    and the per-block skip markers.  See `vaultkit rule VK401`.
    """

    code = "VK408"
    name = "follow-on-error"
    severity = Severity.INFO


RULE_OF_KIND = {
    R.ERROR: CodeError,
    R.MISSING_MODULE: MissingModule,
    R.TIMEOUT: Timeout,
    R.MEMORY: MemoryLimit,
    R.NETWORK: NetworkRefused,
    R.CUDA: NeedsCuda,
    R.CONSEQUENCE: FollowOnError,
}


def frame_span(block: CodeBlock, frame: R.Frame) -> Span:
    """Where a block-relative frame is in the note."""
    if not block.lines:
        return Span(block.span.line, block.span.col, block.span.line, block.span.col)
    line = min(max(frame.line, 0), len(block.lines) - 1)
    base = block.columns[line] if line < len(block.columns) else 0
    text = block.lines[line]
    col = min(frame.col, len(text))
    end = min(frame.end_col, len(text)) if frame.end_col > col else len(text)
    if end <= col:  # an empty line or an error at its very end: mark the whole line
        col, end = 0, len(text)
    return Span(block.content_line + line, base + col, block.content_line + line, base + end)


def _sandbox_note(run: R.NoteRun) -> str:
    if "netns" in run.sandbox:
        return "network namespace"
    if "landlock" in run.sandbox:
        return "Landlock and socket guard; not a network namespace"
    return "socket guard only; not network-isolated at the OS level"


def _message(result: R.BlockResult, run: R.NoteRun, note: Note, first_line: dict[int, int],
             not_run: int) -> str:
    text = f"{result.exc_type}: {result.message}" if result.exc_type else result.message
    kind = result.kind
    if kind == R.MISSING_MODULE:
        text = f"missing module '{result.name}': {text}"
    elif kind == R.TIMEOUT:
        text = f"timed out: {result.message} (this line was running)"
    elif kind == R.MEMORY:
        text = f"memory limit exceeded: {text}"
    elif kind == R.NETWORK:
        text = f"network access refused by the sandbox ({_sandbox_note(run)}): {text}"
    elif kind == R.CUDA:
        text = f"needs CUDA, which this machine does not have: {text}"
    elif kind == R.CONSEQUENCE:
        cause = next((b for b in run.blocks if b.index == result.consequence_of), None)
        where = first_line.get(result.consequence_of, 0) + 1
        what = (cause.exc_type or "failure") if cause and cause.status == R.FAILED else "skipped block"
        text += f" (follows from the {what} at line {where}, which would have defined it)"
    if not_run:
        text += f"; the note's {not_run} later block{'s' if not_run > 1 else ''} did not run"
    return text


@checker(CodeError, MissingModule, Timeout, MemoryLimit, NetworkRefused, WarningRaised, NeedsCuda,
         FollowOnError)
def check_code_blocks(note: Note, ctx) -> Iterable:
    runs = ctx.services.get("exec") if ctx.services else None
    if not runs:
        return
    run = runs.get(note.path)
    if run is None:
        return
    blocks = note.code_blocks
    known = {b.index for b in run.blocks if 0 <= b.index < len(blocks)}

    def place(frame: R.Frame) -> Span | None:
        return frame_span(blocks[frame.block], frame) if 0 <= frame.block < len(blocks) else None

    if run.problem:
        if known and ctx.enabled(CodeError):
            first = blocks[min(known)]
            yield ctx.diagnostic(CodeError, note.path, Span(first.span.line, first.span.col, first.span.line,
                                                            first.span.col + len(first.fence)),
                                 f"code blocks not run: {run.problem}")
        return
    # Where each failure is, for follow-on messages and related information.
    first_line = {}
    for b in run.blocks:
        if b.index in known:
            span = place(b.location) if b.location else None
            first_line[b.index] = span.line if span else blocks[b.index].span.line
    for position, result in enumerate(run.blocks):
        if result.index not in known:
            continue
        for warning in result.warnings:
            span = place(warning.frame)
            if span and ctx.enabled(WarningRaised):
                yield ctx.diagnostic(WarningRaised, note.path, span,
                                     f"{warning.category}: {warning.message}",
                                     data={"category": warning.category})
        if result.status != R.FAILED:
            continue
        rule = RULE_OF_KIND.get(result.kind, CodeError)
        if not ctx.enabled(rule):
            continue
        frames = [f for f in result.frames if place(f)]
        span = place(frames[-1]) if frames else place(R.Frame(result.index, 0, 0, 0, "<module>"))
        related = []
        if len(frames) > 1:
            for frame in frames:
                where = "in the block" if frame.function == "<module>" else f"in {frame.function}()"
                related.append(Related(note.path, place(frame), f"traceback: {where}"))
        if result.kind == R.CONSEQUENCE and result.consequence_of in first_line:
            cause_block = blocks[result.consequence_of]
            cause = next((b for b in run.blocks if b.index == result.consequence_of), None)
            cause_span = (place(cause.location) if cause and cause.location else
                          Span(cause_block.span.line, 0, cause_block.span.line, len(cause_block.fence)))
            related.append(Related(note.path, cause_span, "the first failure"))
        not_run = sum(1 for b in run.blocks[position + 1:] if b.status == R.NOT_RUN)
        yield ctx.diagnostic(
            rule, note.path, span, _message(result, run, note, first_line, not_run),
            related=related,
            data={"exc_type": result.exc_type, "block": result.index, "stdout": result.stdout[-2000:],
                  "stderr": result.stderr[-2000:], "sandbox": list(run.sandbox),
                  **({"module": result.name} if result.kind == R.MISSING_MODULE else {})},
        )
