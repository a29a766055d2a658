import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.mixing.merge import run_merge
from augment.common.logs import job_logging
from augment.io.spec import SPLITS

with job_logging(snakemake.log[0]):
    p = snakemake.params.settings
    run_merge(snakemake.wildcards.dataset, p["task"], p["merge"], p["seed"],
              clean_paths={s: snakemake.input[s] for s in SPLITS},
              augmenter_paths={name: snakemake.input[f"rows_{name}"] for name in p["used"]},
              stats_paths={name: snakemake.input[f"stats_{name}"] for name in p["augmenters"]},
              out_train=snakemake.output.train, report_json=snakemake.output.report, report_md=snakemake.output.table)
