import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from models.devices import set_threads
from robust_train.teach import write_teacher_outputs
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    set_threads(snakemake.threads)
    i = snakemake.input
    write_teacher_outputs(snakemake.params.settings, snakemake.wildcards.teacher, int(snakemake.wildcards.seed),
                          i.rows, i.clean_report, snakemake.output[0])
