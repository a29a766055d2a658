import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
import torch

from augment.common.logs import job_logging
from robust_train.evaluation import run_evaluation

with job_logging(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    p, i = snakemake.params.settings, snakemake.input
    run_evaluation(p["task"], i.model, i.test, {s: i[f"suite_{s}"] for s in p["suites"]},
                   {r: i[f"attack_{r}"] for r in p["recipes"]}, {r: i[f"transfer_{r}"] for r in p["recipes"]},
                   p["ece_bins"], p["batch_size"], p["device"], snakemake.output[0])
