import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.augmenters.augment_split import AugmentSettings, augment_split
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    settings = AugmentSettings.from_params(snakemake.wildcards.suite, snakemake.params.settings)
    augment_split(settings, snakemake.input.rows, snakemake.output.rows, snakemake.output.stats)
