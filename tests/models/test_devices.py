"""Which device and how many CPU threads a job uses."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from conftest import REPO


def test_local_gpus_counts_the_driver_s_gpu_folders(tmp_path, monkeypatch):
    from models.devices import local_gpus

    for name in ("0000:01:00.0", "0000:02:00.0"):
        (tmp_path / name).mkdir()
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert local_gpus(str(tmp_path / "*")) == 2
    assert local_gpus(str(tmp_path / "missing" / "*")) == 0  # no NVIDIA driver
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert local_gpus(str(tmp_path / "*")) == 0


def test_set_threads_leaves_torch_alone_when_it_already_runs_the_job_s_threads():
    """A Snakemake job starts with OMP_NUM_THREADS = its threads; calling torch.set_num_threads on
    top of that made a process's first forward pass differ in its last bits now and then, so the
    call is made only to change the count (in a fresh process: the count is per process)."""
    code = textwrap.dedent("""
        import torch
        calls, real = [], torch.set_num_threads
        torch.set_num_threads = lambda n: (calls.append(n), real(n))
        from models.devices import set_threads
        set_threads(2)
        set_threads(1)
        print(calls, torch.get_num_threads())
    """)
    env = {**os.environ, "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env)
    assert proc.stdout.strip() == "[1] 1", proc.stderr[-2000:]
