import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from report.gates import enforce_file
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    enforce_file(snakemake.input[0], snakemake.output[0])
