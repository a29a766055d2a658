import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.attacks.job import build_adversarial_trainset
from augment.common.logs import job_logging

with job_logging(snakemake.log[0]):
    p = snakemake.params.settings
    build_adversarial_trainset(p["task"], snakemake.input.train, {r: snakemake.input[f"records_{r}"] for r in p["recipes"]},
                               p["seed"], snakemake.output.train, snakemake.output.report)
