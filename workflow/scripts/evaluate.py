import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from evaluation.evaluate_model import EvaluateSettings, evaluate_model
from models.devices import set_threads
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    set_threads(snakemake.threads)
    settings, i = EvaluateSettings.from_params(snakemake.params.settings), snakemake.input
    evaluate_model(settings, snakemake.params.model, i.clean_report, i.test, i.dev, {s: i[f"suite_{s}"] for s in settings.suites},
                   {r: i[f"attack_{r}"] for r in settings.recipes}, {r: i[f"transfer_{r}"] for r in settings.recipes},
                   snakemake.output[0], snakemake.output.timing)
