# robustflow: clean -> augment -> adversarial examples -> robust fine-tuning -> evaluation -> report.
# Run `snakemake --cores all` (config.yaml) or `snakemake --cores all --configfile <other.yaml>`.
from snakemake.utils import min_version

min_version("9.0")


# config.yaml is the default experiment; a --configfile replaces it rather than being merged into
# it (Snakemake would merge, mixing the default's datasets into every other experiment).
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/prepare.smk"
include: "rules/augment.smk"
include: "rules/attack.smk"
include: "rules/trainsets.smk"
include: "rules/train.smk"
include: "rules/search.smk"
include: "rules/evaluate.smk"
include: "rules/report.smk"
include: "rules/track.smk"


rule all:
    default_target: True
    input:
        all_targets(),
