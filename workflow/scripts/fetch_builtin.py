import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from prepare.builtin import fetch
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    fetch(snakemake.params.name, snakemake.output[0], snakemake.params.cache_dir)
