"""Run one note's blocks notebook-style, inside the confined child.

The blocks share one namespace, in order; a failing block does not stop the
later ones.  Each block is compiled under the file name ``<vaultkit-block-N>``
(N = its index in ``note.code_blocks``) so every traceback frame, syntax error
and warning maps back to a block and a line of it.
"""

from __future__ import annotations

import builtins
import faulthandler
import io
import json
import os
import re
import signal
import sys
import time
import traceback
import warnings

from . import results as R
from .sandbox import NetworkRefused

FILE_PREFIX = "<vaultkit-block-"
OUTPUT_CAP = 64 * 1024  # characters of stdout / stderr kept per block
MAX_WARNINGS = 20

_CUDA = re.compile(
    r"not compiled with CUDA|no NVIDIA driver|No CUDA GPUs|CUDA driver|cuda\.is_available\(\) is False"
    r"|Found no NVIDIA|CUDA error|CUDA_VISIBLE_DEVICES|cudaGetDevice|device type cuda",
    re.IGNORECASE,
)
_ALLOC = re.compile(r"can't allocate memory|DefaultCPUAllocator|out of memory|Cannot allocate memory")


class BlockTimeout(BaseException):
    """Raised by SIGALRM inside the note's code (BaseException: ``except Exception`` in
    the note must not swallow it)."""


def block_file(index: int) -> str:
    return f"{FILE_PREFIX}{index}>"


def block_of(filename: str) -> int:
    if filename.startswith(FILE_PREFIX) and filename.endswith(">"):
        try:
            return int(filename[len(FILE_PREFIX):-1])
        except ValueError:
            return -1
    return -1


class _Capped(io.TextIOBase):
    def __init__(self, limit: int = OUTPUT_CAP):
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
        self.size += min(len(text), max(room, 0))
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)

    def value(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            out += f"\n[... {self.dropped} more characters not shown]"
        return out


class Runner:
    def __init__(self, blocks: list[tuple[int, str]], send, *, timeout: float, dump_path: str,
                 guard=None, fd_files: tuple[str, str] | None = None):
        self.blocks = blocks
        self.sources = {i: src.split("\n") for i, src in blocks}
        self.send = send
        self.timeout = timeout
        self.dump_path = dump_path
        self.guard = guard
        self.fd_files = fd_files
        self.fd_offsets = [0, 0]
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}

    # -- locations ------------------------------------------------------------
    def _chars(self, index: int, line: int, byte_col: int | None) -> int:
        """A UTF-8 byte column (what 3.11 code positions hold) as a code-point column."""
        if byte_col is None or byte_col < 0:
            return 0
        lines = self.sources.get(index, [])
        if 0 <= line < len(lines):
            return len(lines[line].encode("utf-8")[:byte_col].decode("utf-8", "ignore"))
        return byte_col

    def frame(self, index: int, lineno: int | None, colno=None, end_colno=None, end_lineno=None,
              function: str = "<module>") -> R.Frame:
        line = max((lineno or 1) - 1, 0)
        lines = self.sources.get(index, [""])
        line = min(line, max(len(lines) - 1, 0))
        col = self._chars(index, line, colno)
        if end_colno is not None and (end_lineno in (None, lineno)):
            end = self._chars(index, line, end_colno)
        else:
            end = len(lines[line]) if line < len(lines) else col
        return R.Frame(index, line, col, max(end, col), function)

    def note_frames(self, tb) -> tuple[R.Frame, ...]:
        frames = []
        for summary in traceback.extract_tb(tb):
            index = block_of(summary.filename)
            if index >= 0:
                frames.append(self.frame(index, summary.lineno, summary.colno, summary.end_colno,
                                         summary.end_lineno, summary.name))
        return tuple(frames)

    # -- warnings -------------------------------------------------------------
    def _warning_frame(self) -> R.Frame | None:
        frame = sys._getframe(2)
        while frame is not None:
            index = block_of(frame.f_code.co_filename)
            if index >= 0:
                try:
                    pos = list(frame.f_code.co_positions())[frame.f_lasti // 2]
                except (IndexError, ValueError):
                    pos = (frame.f_lineno, None, None, None)
                return self.frame(index, pos[0] or frame.f_lineno, pos[2], pos[3], pos[1],
                                  frame.f_code.co_name)
            frame = frame.f_back
        return None

    # -- classification ---------------------------------------------------------
    def classify(self, exc: BaseException, attempts_before: int) -> tuple[str, str]:
        """(kind, name) of a failure."""
        if isinstance(exc, BlockTimeout):
            return R.TIMEOUT, ""
        if isinstance(exc, ModuleNotFoundError):
            return R.MISSING_MODULE, (exc.name or "").split(".")[0]
        chain, seen = [], set()
        current = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            chain.append(current)
            reason = getattr(current, "reason", None)
            current = current.__cause__ or current.__context__ or (
                reason if isinstance(reason, BaseException) else None)
        if any(isinstance(e, MemoryError) or (isinstance(e, RuntimeError) and _ALLOC.search(str(e)))
               for e in chain):
            return R.MEMORY, ""
        attempted = self.guard is not None and len(self.guard.network_attempts) > attempts_before
        if any(isinstance(e, NetworkRefused) for e in chain) or (
            attempted and any(isinstance(e, (OSError, RuntimeError)) for e in chain)
        ):
            return R.NETWORK, ""
        if any(_CUDA.search(str(e)) for e in chain) and not _cuda_available():
            return R.CUDA, ""
        if isinstance(exc, NameError) and type(exc) is NameError:
            return R.ERROR, getattr(exc, "name", "") or ""
        return R.ERROR, ""

    # -- output ---------------------------------------------------------------
    def _fd_output(self, which: int) -> str:
        if not self.fd_files:
            return ""
        try:
            with open(self.fd_files[which], "rb") as handle:
                handle.seek(self.fd_offsets[which])
                data = handle.read(OUTPUT_CAP)
                self.fd_offsets[which] = handle.tell()
            return data.decode("utf-8", "replace")
        except OSError:
            return ""

    # -- running ----------------------------------------------------------------
    def run_block(self, index: int, source: str) -> R.BlockResult:
        started = time.perf_counter()
        try:
            code = compile(source, block_file(index), "exec", dont_inherit=True)
        except SyntaxError as exc:  # includes IndentationError and TabError
            frame = self.frame(index, exc.lineno, None, None, None)
            if exc.offset:
                col = max(exc.offset - 1, 0)
                end = (exc.end_offset - 1) if exc.end_offset and exc.end_lineno in (None, exc.lineno) else col
                frame = frame._replace(col=col, end_col=max(end, col + 1, frame.col))
            if isinstance(exc, IndentationError):  # the offending line, without its indent
                text = self.sources[index][frame.line] if self.sources.get(index) else ""
                frame = frame._replace(col=len(text) - len(text.lstrip()), end_col=len(text.rstrip()))
            return R.BlockResult(index, R.FAILED, R.ERROR, type(exc).__name__, exc.msg or str(exc),
                                 (frame,), seconds=time.perf_counter() - started)
        out, err = _Capped(), _Capped()
        seen_warnings: dict[tuple, R.WarningRecord] = {}

        def showwarning(message, category, filename, lineno, file=None, line=None):
            if len(seen_warnings) >= MAX_WARNINGS:
                return
            frame = self._warning_frame()
            if frame is None:
                return
            record = R.WarningRecord(category.__name__, str(message), frame)
            seen_warnings.setdefault((record.category, record.message, frame), record)

        attempts_before = len(self.guard.network_attempts) if self.guard else 0
        status, kind, exc_type, message, frames, name = R.OK, "", "", "", (), ""
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always")
                # Python hides these by default too; they are noise in study notes.
                for quiet in (ResourceWarning, ImportWarning, PendingDeprecationWarning):
                    warnings.simplefilter("ignore", quiet)
                warnings.showwarning = showwarning
                signal.setitimer(signal.ITIMER_REAL, self.timeout)
                faulthandler.dump_traceback_later(self.timeout + 1.0, repeat=False,
                                                  file=self._dump_file())
                try:
                    exec(code, self.namespace)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    faulthandler.cancel_dump_traceback_later()
        except BaseException as exc:  # the note's code may raise anything, even SystemExit
            if isinstance(exc, SystemExit) and exc.code in (0, None):
                pass
            else:
                status = R.FAILED
                kind, name = self.classify(exc, attempts_before)
                exc_type = type(exc).__name__
                message = str(exc) if not isinstance(exc, BlockTimeout) else f"still running after {self.timeout:g} s"
                frames = self.note_frames(exc.__traceback__) or (self.frame(index, 1),)
                if isinstance(exc, SyntaxError) and block_of(exc.filename or "") >= 0:
                    frames = frames + (self.frame(block_of(exc.filename), exc.lineno),)
        finally:
            sys.stdout, sys.stderr = old_out, old_err
        return R.BlockResult(
            index, status, kind, exc_type, message, frames, name,
            stdout=out.value() + self._fd_output(0), stderr=err.value() + self._fd_output(1),
            warnings=tuple(seen_warnings.values()), seconds=time.perf_counter() - started,
        )

    def _dump_file(self):
        handle = getattr(self, "_dump_handle", None)
        if handle is None:
            handle = self._dump_handle = open(self.dump_path, "w")
        handle.seek(0)
        handle.truncate()
        return handle

    def run(self) -> None:
        for index, source in self.blocks:
            self.send({"t": "start", "block": index})
            result = self.run_block(index, source)
            self.send({"t": "result", "block": R.block_to_json(result)})
        self.send({"t": "end"})


def _cuda_available() -> bool:
    torch = sys.modules.get("torch")
    try:
        return bool(torch is not None and torch.cuda.is_available())
    except Exception:  # a broken CUDA setup counts as none
        return False


def _on_alarm(signum, frame):
    raise BlockTimeout()


def child_main(write_fd: int, scratch: str, blocks: list[tuple[int, str]], *, timeout: float,
               memory_mb: int) -> None:
    """Entry point of the forked child.  Never returns normally (``os._exit``)."""
    from .sandbox import confine

    def send(message: dict) -> None:
        data = (json.dumps(message) + "\n").encode("utf-8")
        while data:
            data = data[os.write(write_fd, data):]

    code = 0
    try:
        mechanisms, guard = confine(scratch, memory_mb=memory_mb,
                                    cpu_seconds=timeout * max(len(blocks), 1) + 5)
        send({"t": "sandbox", "mechanisms": mechanisms})
        # C-level output goes to files in the scratch dir, never to the worker's pipes.
        fd_files = (os.path.join(scratch, ".stdout"), os.path.join(scratch, ".stderr"))
        for fd, path in zip((1, 2), fd_files):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big file is an OSError, not a kill
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(1)  # fork-safety: never a parallel op in a forked child
        Runner(blocks, send, timeout=timeout, dump_path=os.path.join(scratch, ".timeout-trace"),
               guard=guard, fd_files=fd_files).run()
    except BaseException as exc:  # report, never let a child fall back into the worker loop
        try:
            send({"t": "crash", "message": f"{type(exc).__name__}: {exc}"})
        except BaseException:
            pass
        code = 70
    finally:
        os._exit(code)
