"""Loading the vault for a command: sharded across worker processes when a
cold run has many notes to parse, in one process otherwise."""

from __future__ import annotations

import sys

from ..core.shards import ShardError, ShardedVault, open_sharded


def open_vault(root, config, *, use_cache: bool, jobs, progress=None, listing=None, link_tags=None,
               meanwhile=None):
    """``(vault, sharded)``: ``sharded`` is a :class:`ShardedVault` to close when
    done (its ``vault`` holds outlines only), or None with a fully loaded vault.
    ``meanwhile()``, when given, is called while workers parse, or else first."""
    from ..core.vault import load_vault, plan_load

    # Read the settings, the listing and the parse cache once, whichever way loads.
    plan = plan_load(root, config=config, use_cache=use_cache, listing=listing)
    try:
        sharded = open_sharded(root, config=config, use_cache=use_cache, jobs=jobs,
                               listing=listing, progress=progress, link_tags=link_tags,
                               meanwhile=meanwhile, plan=plan)
    except ShardError as exc:
        _fell_back(exc)
        sharded = None
    if sharded is not None:
        return sharded.vault, sharded
    if meanwhile is not None:
        meanwhile()
    vault = load_vault(root, config=config, use_cache=use_cache, jobs=jobs, progress=progress,
                       listing=listing, plan=plan)
    return vault, None


def _fell_back(exc: ShardError) -> None:
    last = str(exc).strip().splitlines()[-1:] or ["unknown error"]
    print(f"vaultkit: warning: a worker process failed ({last[0]}); continuing in one process",
          file=sys.stderr)


def sharded_or_none(work, sharded: ShardedVault | None):
    """Run ``work(sharded)``; on a worker failure, warn and return None so the
    caller redoes the work in one process."""
    if sharded is None:
        return None
    try:
        return work(sharded)
    except ShardError as exc:
        _fell_back(exc)
        return None
