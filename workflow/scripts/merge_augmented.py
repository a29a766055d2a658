import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.trainsets.augmented import MergeSettings, build_augmented_trainset
from robustflow.logs import job_logging
from robustflow.rows import SPLITS

with job_logging(snakemake.log[0]):
    p, i = snakemake.params.settings, snakemake.input
    build_augmented_trainset(MergeSettings.from_params(snakemake.wildcards.dataset, p),
                             clean_paths={s: i[s] for s in SPLITS},
                             augmenter_paths={name: i[f"rows_{name}"] for name in p["used"]},
                             stats_paths={name: i[f"stats_{name}"] for name in p["augmenters"]},
                             out_train=snakemake.output.train, report_json=snakemake.output.report,
                             report_md=snakemake.output.table)
