import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from prepare.clean import CleanSettings, run_clean
from robustflow.logs import job_logging
from robustflow.rows import SPLITS

with job_logging(snakemake.log[0]):
    settings = CleanSettings.from_params(snakemake.wildcards.dataset, snakemake.params.settings)
    run_clean(settings, inputs={s: snakemake.input[s] for s in SPLITS}, outputs={s: snakemake.output[s] for s in SPLITS},
              report_json=snakemake.output.report, report_md=snakemake.output.table, dropped_path=snakemake.output.dropped)
