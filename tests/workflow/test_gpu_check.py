"""The GPU check script runs end to end (here on CPU, with a tiny model): the figures it reports on
a GPU come from the same code."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import LOCAL_ENV, REPO


def test_the_gpu_check_runs_and_reports_its_figures(tmp_path):
    out = tmp_path / "gpu_check.json"
    proc = subprocess.run([sys.executable, str(REPO / "bench/gpu_check.py"), "--smoke", "--device", "cpu",
                           "--skip-workflow", "--out", str(out)], capture_output=True, text=True, env=LOCAL_ENV,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    figures = report["throughput"]["results"]["bf16"]
    assert figures["plain_samples_per_s"] > 0 and figures["fgm_samples_per_s"] > 0
    assert figures["fgm_vs_plain"] > 1.0, "FGM does a second forward and backward"
    # 6 x the dense parameters (+ attention): less than 6 x all of them, most of which are the embedding table
    assert 6 * 10_000 < report["throughput"]["model_flops_per_token"] < 6 * report["throughput"]["parameters"]
    losses = report["losses"]
    assert len(losses["losses"]["fp32"]) == losses["steps"] == 3
    assert 0 <= losses["max_gap_to_fp32"]["bf16"] < 0.1
    assert "fgm/plain" in proc.stdout and "loss gap to fp32" in proc.stdout


def test_the_peak_table_prefers_the_longest_matching_name():
    sys.path.insert(0, str(REPO / "bench"))
    from gpu_check import peak_tflops

    assert peak_tflops("NVIDIA H100 PCIe", None) == 756.0
    assert peak_tflops("NVIDIA H200", None) == 989.0
    assert peak_tflops("Some Future GPU", None) is None and peak_tflops("Some Future GPU", 500.0) == 500.0
