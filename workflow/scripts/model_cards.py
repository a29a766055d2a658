import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from report.model_card import write_model_cards
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    write_model_cards(snakemake.input[0], snakemake.output[0], snakemake.params.train_code)
