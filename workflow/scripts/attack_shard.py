import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
import torch

from augment.attacks.job import run_attack_shard
from augment.common.logs import job_logging

with job_logging(snakemake.log[0]):
    torch.set_num_threads(snakemake.threads)
    p, w = snakemake.params.settings, snakemake.wildcards
    run_attack_shard(p["task"], w.recipe, p["settings"], snakemake.input.model, snakemake.input.rows, w.attack_split,
                     p["max_examples"], int(w.shard), p["shards"], p["seed"], p["batch_size"], p["device"],
                     snakemake.output[0], pools_path=snakemake.input.pools)
