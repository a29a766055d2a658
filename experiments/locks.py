"""Stale Snakemake locks after a kill -9: recognised and removed, so a rerun just works.

Snakemake locks the working directory while it runs and removes the lock when it exits; a
killed run (kill -9, OOM killer, power loss) leaves it behind and every later run stops with
"Directory cannot be locked" until the user finds `--unlock`. Its lock files do not say who
holds them, so the workflow records the main process (host and pid) next to them when it starts
a run with no lock present. A lock is stale only when that record names this host and a pid that
is no longer a Snakemake process; a lock taken on another host (a cluster login node sharing the
filesystem), or by a run that is still alive, is left to Snakemake's own error.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

OWNER = "robustflow-lock-owner.json"


def _is_snakemake(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"snakemake" in cmdline


def _locks(meta: Path) -> list[Path]:
    return sorted((meta / "locks").glob("*.lock")) if (meta / "locks").is_dir() else []


def release_stale_lock(meta: str | Path = ".snakemake") -> str | None:
    """Remove the locks of a dead run of this host; return what was done, or None."""
    meta = Path(meta)
    locks = _locks(meta)
    if not locks or not Path("/proc").is_dir():
        return None
    try:
        owner = json.loads((meta / OWNER).read_text())
    except (OSError, ValueError):
        return None  # no record (a run started without this workflow's check): not ours to judge
    if owner.get("host") != socket.gethostname() or _is_snakemake(int(owner.get("pid", -1))):
        return None
    for lock in locks:
        lock.unlink(missing_ok=True)
    return (f"removed the lock left by a Snakemake run that no longer exists (pid {owner['pid']} on this host, "
            "killed?); jobs it left incomplete are rerun (rerun-incomplete in profiles/default)")


def record_owner(meta: str | Path = ".snakemake") -> None:
    """Record this process as the one about to lock ``meta`` (only when no lock is present, so a dry
    run beside a live run does not take over its record)."""
    meta = Path(meta)
    if _locks(meta):
        return
    meta.mkdir(parents=True, exist_ok=True)
    tmp = meta / f".{OWNER}.{os.getpid()}"
    tmp.write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid()}))
    os.replace(tmp, meta / OWNER)
