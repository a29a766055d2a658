import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from experiments.search.promote import promoted_params
from models.devices import set_threads
from robust_train.fine_tune import FineTuneSettings, fine_tune
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    set_threads(snakemake.threads)
    w, i = snakemake.wildcards, snakemake.input
    params = snakemake.params.settings
    method = params.get("method", w.method)  # a sweep point or the search's trial names its method
    if snakemake.input.search:  # the search's promoted trial: its settings over train's
        params = promoted_params(params, snakemake.input.search)
    settings = FineTuneSettings.from_params(method, int(w.seed), params)
    out = snakemake.output
    teacher = i.teacher or None  # a student: its teacher's outputs (the teach job)
    fine_tune(settings, i.train, i.dev, i.test, i.report, out.model, out.metrics, out.timing, teacher)
