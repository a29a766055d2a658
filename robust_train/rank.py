"""One data-parallel rank: `python -m torch.distributed.run ... --module robust_train.rank JOB.pkl`
(robust_train/distributed.py starts it): join the process group, run the pickled call, leave."""

from __future__ import annotations

import os
import pickle
import signal
import sys
from pathlib import Path

import torch

from models.devices import set_threads


def die_with_launcher() -> None:
    """torchrun puts the ranks in a session of their own, so a SIGKILL to the job's process group
    (a killed Snakemake job) would leave them training and writing outputs after the job is gone:
    ask Linux to kill this rank when its launcher dies (prctl PR_SET_PDEATHSIG); elsewhere a thread
    watches the parent instead."""
    parent = os.getppid()
    try:
        import ctypes

        if ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL) != 0:  # 1 = PR_SET_PDEATHSIG
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        import threading
        import time

        def watch():
            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()


def init_rank() -> None:
    """In a rank torchrun started: join the group (NCCL with one GPU per rank, else gloo)."""
    import torch.distributed as dist

    use_cuda = os.environ.get("ROBUSTFLOW_RANK_DEVICE") == "cuda"
    if use_cuda:
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    dist.init_process_group("nccl" if use_cuda else "gloo")


def main(job: str) -> None:
    import torch.distributed as dist

    die_with_launcher()
    set_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))  # torchrun sets it; left alone when torch already runs it
    fn, args = pickle.loads(Path(job).read_bytes())
    init_rank()
    try:
        fn(*args)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
