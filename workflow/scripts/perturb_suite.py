import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.augmenters.run import run_augmenter
from augment.common.logs import job_logging

with job_logging(snakemake.log[0]):
    p = snakemake.params.settings
    run_augmenter(snakemake.wildcards.suite, p["settings"], p["task"], p["seed"], snakemake.input.rows,
                  snakemake.output.rows, snakemake.output.stats, p["resources"])
