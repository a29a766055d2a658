"""Which device a job runs on. `local_gpus` answers without importing torch (the Snakefile asks
on every snakemake call, where torch's import alone takes seconds)."""

from __future__ import annotations

import glob
import os

from robustflow.errors import ResourceError

NVIDIA_GPUS = "/proc/driver/nvidia/gpus/*"  # one folder per GPU the NVIDIA driver has found


def local_gpus(pattern: str = NVIDIA_GPUS) -> int:
    """NVIDIA GPUs the driver reports; none when CUDA_VISIBLE_DEVICES hides them all."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", "0").strip() in ("", "-1"):
        return 0
    return len(glob.glob(pattern))


def resolve_device(device: str, option: str = "device") -> str:
    """`auto` -> cuda when torch sees a GPU, else cpu; `cuda` without a GPU is an error naming ``option``."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ResourceError(f"{option} is cuda, but torch sees no GPU. Fix: set it to auto or cpu, or install a CUDA "
                            "build of torch (README, GPU).")
    return device


def set_threads(threads: int) -> None:
    """torch's CPU threads = the job's `threads:` (torch's default oversubscribes a shared machine).

    Only when torch does not run that many already: Snakemake starts every job with OMP_NUM_THREADS
    and MKL_NUM_THREADS set to its threads, and calling torch.set_num_threads anyway, even with the
    same count, made the first forward pass of about 1 process in 16 differ in its last bits
    (2 of 38 fresh processes against 0 of 100 without the call; docs/results.md, "The byte-identity
    flake"), which broke same-config-same-bytes."""
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
