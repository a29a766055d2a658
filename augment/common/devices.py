"""What accelerators this machine has, found without importing torch (the Snakefile asks on every
snakemake call, where torch's import alone takes seconds)."""

from __future__ import annotations

import glob
import os

NVIDIA_GPUS = "/proc/driver/nvidia/gpus/*"  # one folder per GPU the NVIDIA driver has found


def local_gpus(pattern: str = NVIDIA_GPUS) -> int:
    """NVIDIA GPUs the driver reports; none when CUDA_VISIBLE_DEVICES hides them all."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", "0").strip() in ("", "-1"):
        return 0
    return len(glob.glob(pattern))
