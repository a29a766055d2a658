import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from experiments.search.summary import summarize
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]) as log:
    summary = summarize(list(snakemake.input.workers), snakemake.params.search, snakemake.output[0])
    best = summary["best"]
    log.info("study %s: %s; best trial %d %s: %s = %.4f%s", summary["study"], summary["trials"], best["number"],
             best["settings"], summary["objective"]["maximize"], best["value"],
             "" if best["feasible"] else " (no trial met the floors: the least violating one)")
