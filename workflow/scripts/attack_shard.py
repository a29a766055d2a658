import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.attacks.attack_shard import AttackSettings, run_attack_shard
from models.devices import set_threads
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    set_threads(snakemake.threads)
    w = snakemake.wildcards
    settings = AttackSettings.from_params(w.recipe, w.attack_split, snakemake.params.settings)
    i = snakemake.input
    run_attack_shard(settings, int(w.shard), snakemake.params.model, i.clean_report, i.rows, i.pools,
                     snakemake.output[0])
