import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.trainsets.repaired import RepairSettings, build_repaired_trainset
from robustflow.logs import job_logging
from robustflow.rows import SPLITS

with job_logging(snakemake.log[0]):
    i = snakemake.input
    build_repaired_trainset(RepairSettings.from_params(snakemake.params.settings), {s: i[s] for s in SPLITS},
                            i.baseline, snakemake.output.train, snakemake.output.report)
