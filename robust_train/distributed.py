"""Data-parallel training inside one training job (`train.processes` > 1): torch DDP over ranks the
job spawns itself, NCCL on GPUs (one per rank), gloo on CPU.

The job starts its ranks with torchrun (`torch.distributed.run --standalone`), not accelerate:
torchrun ships with torch (no other launcher or config file to pin), finds a free port itself (two
jobs on one node do not collide), sets each rank's environment, and stops every rank when one
fails. The job's parsed settings go to the ranks as a pickle file (robust_train/rank.py reads it),
so there is one entry point, the same under the local executor and inside one SLURM task.
(torch.multiprocessing.spawn cannot serve: it re-imports the job's main script, which Snakemake
runs without a `__main__` guard.) A killed job is resumed by Snakemake from the epoch checkpoint.

Each global batch (``train.batch_size`` x processes rows, from the same seeded order as one process
uses) is cut into one contiguous shard per rank; each rank's loss is weighted by its share of the
batch, so DDP's gradient average equals the mean over the global batch even when the last batch
does not split evenly (a rank left without rows gets a zero-weighted row, so that every rank takes
part in every all-reduce).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Callable, Sequence

import torch

from robust_train import rank as rank_entry  # what torchrun runs in each rank (imported: code tracking sees it)


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    world: int = 1

    @classmethod
    def current(cls) -> "Ranks":
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return cls(dist.get_rank(), dist.get_world_size())
        return cls()

    @property
    def main(self) -> bool:
        return self.rank == 0

    def shard(self, batch: Sequence[int]) -> tuple[list[int], float]:
        """(this rank's rows of a global batch, the weight of its mean loss)."""
        if self.world == 1:
            return list(batch), 1.0
        size, extra = divmod(len(batch), self.world)
        start = self.rank * size + min(self.rank, extra)
        mine = list(batch[start:start + size + (self.rank < extra)])
        if not mine:
            return [batch[0]], 0.0
        return mine, len(mine) * self.world / len(batch)

    def agree(self, flag: bool) -> bool:
        """True only when every rank says True (e.g. every rank's perturbation gradient is usable):
        ranks that decided alone could skip an all-reduce the others wait in."""
        if self.world == 1:
            return flag
        import torch.distributed as dist

        value = torch.tensor([int(flag)], device=_collective_device())
        dist.all_reduce(value, op=dist.ReduceOp.MIN)
        return bool(value.item())

    def barrier(self) -> None:
        if self.world > 1:
            import torch.distributed as dist

            dist.barrier()


def _collective_device() -> str:
    import torch.distributed as dist

    return "cuda" if dist.get_backend() == "nccl" else "cpu"


def wrap(model, device: str):
    """The model in DistributedDataParallel when this process is one of several ranks."""
    if Ranks.current().world == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [torch.cuda.current_device()] if device == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def no_sync(model) -> Callable[[], contextlib.AbstractContextManager]:
    """A context for forwards whose backward reaches no parameter (PGD's inner ascent steps, which
    take the gradient of the perturbation alone): DDP must not wait for their reduction."""
    return model.no_sync if hasattr(model, "no_sync") else contextlib.nullcontext


def launch(processes: int, device: str, fn, *args) -> None:
    """Run ``fn(*args)`` in ``processes`` ranks started by torchrun, and wait for them (a failed
    rank stops the others and raises here). On CPU the job's threads are split between the ranks."""
    import pickle
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from robustflow.errors import ConfigError

    if device == "cuda" and torch.cuda.device_count() < processes:
        raise ConfigError(f"`train.processes: {processes}` needs {processes} GPUs; this job sees "
                          f"{torch.cuda.device_count()}. Fix: lower train.processes or ask the scheduler for more GPUs.")
    threads = max(1, torch.get_num_threads() // processes)
    repo = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "ROBUSTFLOW_RANK_DEVICE": device,
           "PYTHONPATH": os.pathsep.join([repo, *filter(None, [os.environ.get("PYTHONPATH")])])}
    with tempfile.TemporaryDirectory(prefix="robustflow-ranks-") as tmp:
        job = Path(tmp) / "job.pkl"
        job.write_bytes(pickle.dumps((fn, args)))
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
               "--module", rank_entry.__name__, str(job)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"data-parallel training failed ({processes} ranks, exit {proc.returncode}); the ranks' "
                           f"errors:\n{proc.stderr[-6000:]}")
