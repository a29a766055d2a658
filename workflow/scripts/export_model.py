import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from report.model_card import export_model
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    w = snakemake.wildcards
    export_model(snakemake.input.model, snakemake.input.cards, f"{w.dataset}/{w.trainset}/{w.method}/seed{w.seed}",
                 snakemake.output[0])
