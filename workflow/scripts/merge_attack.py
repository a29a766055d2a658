import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.attacks.merge_shards import merge_attack_shards
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    merge_attack_shards(list(snakemake.input), snakemake.output.records, snakemake.output.summary)
