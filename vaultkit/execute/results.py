"""What running a note's code blocks produced: plain data, JSON-friendly.

Every location is *block-relative* (block index in ``note.code_blocks``, 0-based
line inside the block's content, code-point column inside that content line).
The checker maps it onto the note with the block's ``content_line`` and
``columns``, so a cached result stays right when prose above a block moves it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

# BlockResult.status
OK, FAILED, SKIPPED, NOT_RUN = "ok", "failed", "skipped", "not-run"

# BlockResult.kind when status is FAILED: one rule each (VK401..VK408)
ERROR = "error"  # an exception or syntax error in the code (VK401)
MISSING_MODULE = "missing-module"  # ModuleNotFoundError (VK402)
TIMEOUT = "timeout"  # wall-clock or CPU limit (VK403)
MEMORY = "memory"  # address-space limit (VK404)
NETWORK = "network"  # the sandbox refused a network access (VK405)
CUDA = "cuda"  # needs a GPU this machine does not have (VK407)
CONSEQUENCE = "consequence"  # NameError for a name an earlier failed block defines (VK408)


class Frame(NamedTuple):
    """One traceback frame inside the note's code."""

    block: int  # index into note.code_blocks
    line: int  # 0-based line inside the block content
    col: int  # code-point column inside that line
    end_col: int  # exclusive; == col when unknown
    function: str  # "<module>" for top-level code


class WarningRecord(NamedTuple):
    category: str  # "FutureWarning"
    message: str
    frame: Frame  # where in the note's code it was raised


class BlockResult(NamedTuple):
    index: int  # index into note.code_blocks
    status: str  # OK | FAILED | SKIPPED | NOT_RUN
    kind: str = ""  # see the kinds above, "" unless FAILED
    exc_type: str = ""  # "TabError", "NameError", ...
    message: str = ""  # the exception message (or the reason for SKIPPED / NOT_RUN)
    frames: tuple[Frame, ...] = ()  # outermost first; the last one is the error location
    name: str = ""  # NameError's name / the missing module's name
    consequence_of: int = -1  # block index of the earlier failure this one follows from
    stdout: str = ""
    stderr: str = ""
    warnings: tuple[WarningRecord, ...] = ()
    seconds: float = 0.0

    @property
    def location(self) -> Frame | None:
        return self.frames[-1] if self.frames else None


class NoteRun(NamedTuple):
    path: str
    blocks: tuple[BlockResult, ...]  # one per Python block of the note, in order
    sandbox: tuple[str, ...] = ()  # isolation actually in force: "netns", "landlock", ...
    cached: bool = False
    seconds: float = 0.0
    key: str = ""  # cache key (hash of block sources and versions)
    problem: str = ""  # why nothing could run (worker failed to start, ...), else ""

    @property
    def ran(self) -> int:
        return sum(1 for b in self.blocks if b.status in (OK, FAILED))


# ---- JSON round trip (the worker protocol and the result cache) -------------


def frame_from(data: Any) -> Frame:
    return Frame(*data)


def block_to_json(block: BlockResult) -> dict:
    data = block._asdict()
    data["frames"] = [list(f) for f in block.frames]
    data["warnings"] = [[w.category, w.message, list(w.frame)] for w in block.warnings]
    return data


def block_from_json(data: dict) -> BlockResult:
    data = dict(data)
    data["frames"] = tuple(frame_from(f) for f in data.get("frames", ()))
    data["warnings"] = tuple(
        WarningRecord(c, m, frame_from(f)) for c, m, f in data.get("warnings", ())
    )
    return BlockResult(**{k: v for k, v in data.items() if k in BlockResult._fields})


def run_to_json(run: NoteRun) -> dict:
    data = run._asdict()
    data["blocks"] = [block_to_json(b) for b in run.blocks]
    data["sandbox"] = list(run.sandbox)
    return data


def run_from_json(data: dict) -> NoteRun:
    data = dict(data)
    data["blocks"] = tuple(block_from_json(b) for b in data.get("blocks", ()))
    data["sandbox"] = tuple(data.get("sandbox", ()))
    return NoteRun(**{k: v for k, v in data.items() if k in NoteRun._fields})
