import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from experiments.codedeps import code_digest
from report.build_report import build_report
from robustflow.logs import job_logging

REPO = Path(snakemake.scriptdir).parents[1]

with job_logging(snakemake.log[0]):
    out = snakemake.output
    build_report(dict(snakemake.params.config), snakemake.params.datasets, snakemake.params.benchmarks,
                 out.html, out.summary, out.plots, out.compute_html, out.compute_json, out.gates, out.junit, out.outcomes,
                 {stage: code_digest(REPO / "workflow" / "scripts" / f"{stage}.py", REPO)
                  for stage in snakemake.params.stages})
