import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
import torch

from augment.common.logs import job_logging
from robust_train.job import run_training

with job_logging(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    p = snakemake.params.settings
    run_training(p["task"], snakemake.wildcards.method, int(snakemake.wildcards.seed), p["settings"], p["model"],
                 snakemake.input.train, snakemake.input.dev, snakemake.input.test, snakemake.input.report,
                 snakemake.output.model, snakemake.output.metrics)
