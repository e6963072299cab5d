"""The shared warm worker (``vaultkit.execute.daemon``): what a user sees across
successive ``vaultkit`` runs.  Every test uses its own socket directory and stops
its daemon at the end, so no process outlives the suite."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

FAILING = """\
# Failing

```python
import torch
x = torch.arange(3)
print("sum", x.sum().item())
```

```python
z = torch.zeros(2) @ torch.zeros(3)
```

```python
print(z)
```
"""


@pytest.fixture
def daemon_dir(monkeypatch, tmp_path):
    """A private socket directory; the daemon left at default settings (on, no CI)."""
    folder = Path(tempfile.mkdtemp(prefix="vkd-"))  # short: a socket path holds 107 bytes
    monkeypatch.setenv("VAULTKIT_DAEMON_DIR", str(folder))
    monkeypatch.delenv("VAULTKIT_EXEC_DAEMON", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    yield folder
    from vaultkit.execute import daemon_client, shutdown

    shutdown()
    os.chmod(folder, 0o700)
    daemon_client.stop()
    for pid in _daemon_pids(folder):  # belt and braces: nothing outlives the test
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(folder, ignore_errors=True)


def _daemon_pids(folder: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"vaultkit.execute.daemon" in cmdline and os.fsencode(folder) in cmdline:
            pids.append(int(entry.name))
    return pids


def alive(pid: int) -> bool:
    """Running (a zombie waiting for an init that does not reap counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def vaultkit(*args, cache: Path, timeout: float = 240, **env) -> subprocess.CompletedProcess:
    """``vaultkit ARGS`` in a fresh process, as a user runs it."""
    full = {**os.environ, "VAULTKIT_CACHE_DIR": str(cache), "COLUMNS": "200", **env}
    for key in [k for k, v in full.items() if v is None]:
        del full[key]
    return subprocess.run([sys.executable, "-m", "vaultkit", *map(str, args)], capture_output=True,
                          text=True, env=full, stdin=subprocess.DEVNULL, timeout=timeout)


def status(tmp_path: Path) -> list[dict]:
    done = vaultkit("daemon", "status", "--format", "json", cache=tmp_path / "status-cache")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["daemons"]


def diagnostics(done: subprocess.CompletedProcess) -> list[dict]:
    assert done.returncode == 1, done.stderr
    return json.loads(done.stdout)["diagnostics"]


def without_timings(text: str) -> str:
    return re.sub(r"\d+\.\d\d s", "T s", text)


def test_second_run_reuses_the_daemon_and_matches_the_per_process_worker(daemon_dir, make_vault, tmp_path):
    env_block = "\n```python\nimport os\nprint('secret', os.environ.get('VAULTKIT_TEST_SECRET'))\n```\n"
    vault = make_vault({"Failing.md": FAILING + env_block})
    first = vaultkit("check", vault, "--select", "VK4", "--format", "json", cache=tmp_path / "c1",
                     VAULTKIT_TEST_SECRET="hunter2")
    (daemon,) = status(tmp_path)
    second = vaultkit("check", vault, "--select", "VK4", "--format", "json", cache=tmp_path / "c2")
    assert [d["pid"] for d in status(tmp_path)] == [daemon["pid"]]
    own = vaultkit("check", vault, "--select", "VK4", "--format", "json", cache=tmp_path / "c3",
                   VAULTKIT_EXEC_DAEMON="0")
    assert diagnostics(first) == diagnostics(second) == diagnostics(own)
    assert [d["code"] for d in diagnostics(first)] == ["VK401", "VK408"]
    # `vaultkit run` shows the same blocks, output and sandbox mechanisms either way,
    # and a secret in the environment of the run that started the daemon is not there.
    shared = vaultkit("run", vault / "Failing.md", "--no-cache", cache=tmp_path / "c4", VAULTKIT_TEST_SECRET="hunter2")
    alone = vaultkit("run", vault / "Failing.md", "--no-cache", cache=tmp_path / "c5", VAULTKIT_EXEC_DAEMON="0")
    assert shared.returncode == alone.returncode == 1
    assert without_timings(shared.stdout) == without_timings(alone.stdout)
    assert "sum 3" in shared.stdout and "secret None" in shared.stdout and "hunter2" not in shared.stdout
    assert [d["pid"] for d in status(tmp_path)] == [daemon["pid"]]


def test_two_runs_starting_at_once_share_one_daemon(daemon_dir, make_vault, tmp_path):
    vault = make_vault({"Failing.md": FAILING})
    procs = [subprocess.Popen([sys.executable, "-m", "vaultkit", "check", vault, "--select", "VK4", "--format", "json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                              env={**os.environ, "VAULTKIT_CACHE_DIR": str(tmp_path / f"c{i}")})
             for i in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], [err for _, err in outs]
    assert [[d["code"] for d in json.loads(out)["diagnostics"]] for out, _ in outs] == [["VK401", "VK408"]] * 2
    (daemon,) = status(tmp_path)
    deadline = time.monotonic() + 10  # the runs' handlers (forks of the daemon) exit after their runs
    while _daemon_pids(daemon_dir) != [daemon["pid"]] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _daemon_pids(daemon_dir) == [daemon["pid"]]


def test_a_killed_daemon_is_replaced_on_the_next_run(daemon_dir, make_vault, tmp_path):
    vault = make_vault({"Failing.md": FAILING})
    expected = diagnostics(vaultkit("check", vault, "--select", "VK4", "--format", "json", cache=tmp_path / "c1"))
    (old,) = status(tmp_path)
    os.kill(old["pid"], signal.SIGKILL)
    again = vaultkit("check", vault, "--select", "VK4", "--format", "json", cache=tmp_path / "c2")
    assert diagnostics(again) == expected
    (new,) = status(tmp_path)
    assert new["pid"] != old["pid"] and alive(new["pid"]) and not alive(old["pid"])


def test_stopping_the_daemon_during_a_run_does_not_fail_the_run(daemon_dir, make_vault, tmp_path):
    vault = make_vault({"Slow.md": "```python\nimport time\ntime.sleep(4)\nprint('slept')\n```\n" + FAILING})
    proc = subprocess.Popen([sys.executable, "-m", "vaultkit", "run", vault / "Slow.md", "--no-cache"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                            env={**os.environ, "VAULTKIT_CACHE_DIR": str(tmp_path / "c1"), "COLUMNS": "200"})
    deadline = time.monotonic() + 120
    while not [d for d in status(tmp_path) if d.get("warm")] and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # the note is sleeping in the daemon's child
    stopped = vaultkit("daemon", "stop", cache=tmp_path / "c2")
    assert stopped.returncode == 0 and "stopped the vaultkit daemon" in stopped.stdout
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 1, err
    assert "slept" in out and "RuntimeError: inconsistent tensor size" in out
    assert status(tmp_path) == []


def test_idle_daemon_exits_and_removes_its_socket(daemon_dir, make_vault, tmp_path):
    vault = make_vault({"Failing.md": FAILING, ".vaultkit.toml": "[exec]\nkeep-warm = 1\n"})
    vaultkit("check", vault, "--select", "VK4", cache=tmp_path / "c1")
    (daemon,) = status(tmp_path)
    assert daemon["keep_warm"] == 1
    deadline = time.monotonic() + 30
    while (list(daemon_dir.glob("*.sock")) or alive(daemon["pid"])) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(daemon_dir.glob("*.sock")) == [] and not alive(daemon["pid"])
    assert status(tmp_path) == []


def test_status_and_stop(daemon_dir, make_vault, tmp_path):
    for action in ("status", "stop"):
        none = vaultkit("daemon", action, cache=tmp_path / "c0")
        assert none.returncode == 0 and "no vaultkit daemon is running" in none.stdout
    vault = make_vault({"Failing.md": FAILING})
    vaultkit("check", vault, "--select", "VK4", cache=tmp_path / "c1")
    shown = vaultkit("daemon", "status", cache=tmp_path / "c0")
    assert shown.returncode == 0, shown.stderr
    (daemon,) = status(tmp_path)
    import torch  # noqa: F401  (only to read the version the daemon reports)

    for expected in (f"socket        {daemon_dir}/", f"pid           {daemon['pid']}",
                     f"torch         {torch.__version__}", "idle timeout  600 s", "used by this vaultkit"):
        assert expected in shown.stdout
    stopped = vaultkit("daemon", "stop", cache=tmp_path / "c0")
    assert stopped.returncode == 0 and f"stopped the vaultkit daemon (pid {daemon['pid']}" in stopped.stdout
    assert not alive(daemon["pid"]) and list(daemon_dir.glob("*.sock")) == []
    again = vaultkit("daemon", "stop", cache=tmp_path / "c0")
    assert again.returncode == 0 and "no vaultkit daemon is running" in again.stdout


def test_socket_dir_with_wrong_permissions_is_refused(daemon_dir, make_vault, tmp_path):
    os.chmod(daemon_dir, 0o755)
    vault = make_vault({"Failing.md": FAILING})
    done = vaultkit("check", vault, "--select", "VK4", "--format", "json", cache=tmp_path / "c1")
    assert [d["code"] for d in diagnostics(done)] == ["VK401", "VK408"]
    assert done.stderr == ""
    assert sorted(p.name for p in daemon_dir.iterdir()) == [] and _daemon_pids(daemon_dir) == []
    shown = vaultkit("daemon", "status", cache=tmp_path / "c0")
    assert shown.returncode == 0 and "it must be private (700)" in shown.stdout


def test_not_started_when_ci_is_set(daemon_dir, make_vault, tmp_path):
    vault = make_vault({"Failing.md": FAILING})
    done = vaultkit("check", vault, "--select", "VK4", "--format", "json", cache=tmp_path / "c1", CI="true")
    assert [d["code"] for d in diagnostics(done)] == ["VK401", "VK408"]
    assert status(tmp_path) == [] and list(daemon_dir.glob("*.sock")) == []


def test_check_returns_promptly_without_the_daemon_holding_its_pipes(daemon_dir, make_vault, tmp_path):
    vault = make_vault({"Failing.md": FAILING})
    # Would raise TimeoutExpired if the daemon (which stays up for 600 s) held stdout/stderr.
    done = vaultkit("check", vault, "--select", "VK4", cache=tmp_path / "c1", timeout=120)
    assert done.returncode == 1 and "VK401" in done.stdout
    (daemon,) = status(tmp_path)
    assert alive(daemon["pid"])


def test_a_note_cannot_drive_the_daemon(daemon_dir, make_vault, tmp_path):
    vault = make_vault({"Failing.md": FAILING})
    vaultkit("check", vault, "--select", "VK4", cache=tmp_path / "c1")
    (daemon,) = status(tmp_path)
    probe = (
        "import socket\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        f"s.connect({daemon['socket']!r})\n"
        "s.settimeout(20)\n"
        "print('got', s.recv(100))\n"
    )
    done = vaultkit("run", make_vault({"Probe.md": f"```python\n{probe}```\n"}, name="probe") / "Probe.md",
                    cache=tmp_path / "c2")
    if "netns" not in done.stdout:
        pytest.skip("no network namespace here: the daemon cannot tell a note from a client")
    assert "got b''" in done.stdout  # accepted, then closed: no "ready", nothing runs
    assert [d["pid"] for d in status(tmp_path)] == [daemon["pid"]]
