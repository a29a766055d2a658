import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from report.best import promote
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    out = snakemake.output
    promote(snakemake.input.summary, snakemake.wildcards.dataset, snakemake.params.seed, out.model, out.choice,
            snakemake.params.train_code)
