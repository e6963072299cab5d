"""``vaultkit daemon status|stop``: see or stop the shared warm worker that runs
notes' code between CLI runs (``vaultkit/execute/daemon.py``)."""

from __future__ import annotations

import json
import sys
import time


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "daemon", help="show or stop the warm code-block worker",
        description="Show or stop the background worker that keeps torch imported between runs "
        "(`[exec] daemon`, `[exec] keep-warm`). Both exit 0 when none is running.")
    parser.add_argument("action", choices=("status", "stop"))
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..execute import daemon_client

    if args.action == "stop":
        problem, stopped = daemon_client.stop()
        if args.format == "json":
            json.dump({"problem": problem, "stopped": [d["pid"] for d in stopped]}, sys.stdout)
            sys.stdout.write("\n")
        elif stopped:
            for d in stopped:
                print(f"stopped the vaultkit daemon (pid {d['pid']}, {d['socket']})")
        else:
            print(f"no vaultkit daemon: {problem}" if problem else "no vaultkit daemon is running")
        return 0
    folder, problem, daemons = daemon_client.running()
    mine = daemon_client.current_key()
    if args.format == "json":
        json.dump({"directory": str(folder) if folder else None, "problem": problem,
                   "daemons": [{**d, "current": d["key"] == mine} for d in daemons]}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    if folder is None:
        print(f"no vaultkit daemon: {problem}")
        return 0
    if not daemons:
        print(f"no vaultkit daemon is running (socket directory {folder})")
        return 0
    for d in daemons:
        which = "used by this vaultkit" if d["key"] == mine else "another Python, vaultkit or environment"
        state = "ready" if d.get("warm") else "warming up"
        print(f"vaultkit daemon ({which}), {state}")
        print(f"  socket        {d['socket']}")
        print(f"  pid           {d['pid']}")
        print(f"  torch         {d.get('torch') or '-'}")
        print(f"  python        {d.get('python', '?')} ({d.get('executable', '?')})")
        print(f"  idle timeout  {d.get('keep_warm', 0):g} s")
        print(f"  up for        {time.time() - float(d.get('started', time.time())):.0f} s")
        print(f"  log           {d.get('log', '-')}")
    return 0
