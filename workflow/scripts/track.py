import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from experiments.tracking.job import track
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    track(snakemake.params.spec, snakemake.params.tracking, snakemake.output[0])
