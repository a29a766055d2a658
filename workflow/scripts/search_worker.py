import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from experiments.search.settings import SearchSettings
from experiments.search.worker import run_worker
from models.devices import set_threads
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    set_threads(snakemake.threads)
    w, i, p = snakemake.wildcards, snakemake.input, snakemake.params
    settings = SearchSettings.from_params(w.dataset, p.settings)
    out = Path(snakemake.output[0])
    run_worker(settings, int(w.worker), p.journal, i.train, i.dev, i.report, str(out.parent / "work"), str(out),
               f"benchmarks/search/{w.dataset}/worker{w.worker}.timing.json")
