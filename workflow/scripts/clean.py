import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.cleaning.run import run_clean
from augment.common.logs import job_logging
from augment.io.spec import SPLITS

with job_logging(snakemake.log[0]):
    s = snakemake.params.settings
    run_clean(snakemake.wildcards.dataset, s["task"], s["cleaning"], s["labels"],
              inputs={x: snakemake.input[x] for x in SPLITS}, outputs={x: snakemake.output[x] for x in SPLITS},
              report_json=snakemake.output.report, report_md=snakemake.output.table,
              dropped_path=snakemake.output.dropped)
