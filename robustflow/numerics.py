"""Environment that keeps CPU math bit-reproducible from run to run, set before any job starts.

Intel MKL (torch's CPU BLAS here) documents two run-to-run variations at a fixed thread count: with
MKL_DYNAMIC on it may pick fewer threads for a call than it was given, and without conditional
numerical reproducibility (MKL_CBWR) a kernel's code path may depend on how its inputs happen to be
aligned in memory. Either changes the order of a sum, so a weight differs in its last bit and a
whole chain of results drifts (seen twice in 2026-12 on the tiny NER chain: one trained variant in
two identical runs differed from its second optimiser step on). AUTO,STRICT keeps the fastest
code path the CPU has and makes it alignment-independent; OpenMP may not shrink teams either.
A value the user set is kept. (What did break those runs was a redundant torch.set_num_threads in
every job: models/devices.py, set_threads.)"""

from __future__ import annotations

import os

PINNED = {"MKL_CBWR": "AUTO,STRICT", "MKL_DYNAMIC": "FALSE", "OMP_DYNAMIC": "FALSE"}


def pin_numerics(environ=os.environ) -> dict:
    """Set each variable the environment does not set yet; returns the ones it set. Call before
    torch is imported (job processes inherit the Snakefile process's environment)."""
    added = {k: v for k, v in PINNED.items() if k not in environ}
    environ.update(added)
    return added


def numeric_environment() -> dict:
    """What decides a CPU job's bits beside its inputs (logged by training, so two runs that differ
    can be told apart: a different kernel set, thread count or MKL mode shows here)."""
    import torch

    return {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
            **{k: os.environ.get(k) for k in (*PINNED, "OMP_NUM_THREADS", "ONEDNN_MAX_CPU_ISA")}}


def tensors_digest(tensors) -> str:
    """sha256 (16 hex) over named tensors' bytes in name order: a weight or batch fingerprint for logs."""
    import hashlib

    import torch

    digest = hashlib.sha256()
    for name, tensor in sorted(tensors.items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]
