"""Environment that keeps CPU math bit-reproducible from run to run, set before any job starts.

Intel MKL (torch's CPU BLAS here) documents two run-to-run variations at a fixed thread count: with
MKL_DYNAMIC on it may pick fewer threads for a call than it was given, and without conditional
numerical reproducibility (MKL_CBWR) a kernel's code path may depend on how its inputs happen to be
aligned in memory. Either changes the order of a sum, so a weight differs in its last bit and a
whole chain of results drifts (seen twice in 2026-12 on the tiny NER chain: one trained variant in
two identical runs differed from its second optimiser step on). AUTO,STRICT keeps the fastest
code path the CPU has and makes it alignment-independent; OpenMP may not shrink teams either.
A value the user set is kept."""

from __future__ import annotations

import os

PINNED = {"MKL_CBWR": "AUTO,STRICT", "MKL_DYNAMIC": "FALSE", "OMP_DYNAMIC": "FALSE"}


def pin_numerics(environ=os.environ) -> dict:
    """Set each variable the environment does not set yet; returns the ones it set. Call before
    torch is imported (job processes inherit the Snakefile process's environment)."""
    added = {k: v for k, v in PINNED.items() if k not in environ}
    environ.update(added)
    return added
