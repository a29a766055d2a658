import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from prepare.ingest import run_ingest
from prepare.spec import DatasetSpec
from robustflow.logs import job_logging
from robustflow.rows import SPLITS

with job_logging(snakemake.log[0]):
    p = snakemake.params.spec
    spec = DatasetSpec.from_config(snakemake.wildcards.dataset, p["dataset"], p["task"], p["seed"],
                                   fetched=snakemake.input.get("fetched"))
    run_ingest(spec, {s: snakemake.output[s] for s in SPLITS}, snakemake.output.report)
