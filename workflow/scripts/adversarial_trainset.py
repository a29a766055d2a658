import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # this checkout's packages, in any job env
from augment.trainsets.adversarial import AdversarialSetSettings, build_adversarial_trainset
from robustflow.logs import job_logging

with job_logging(snakemake.log[0]):
    settings = AdversarialSetSettings.from_params(snakemake.params.settings)
    build_adversarial_trainset(settings, snakemake.input.train,
                               {r: snakemake.input[f"records_{r}"] for r in settings.recipes},
                               snakemake.output.train, snakemake.output.report)
