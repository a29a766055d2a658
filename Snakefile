# robustflow: clean -> augment -> adversarial examples -> robust fine-tuning -> evaluation -> report.
# Run `snakemake --cores all` (config.yaml) or `snakemake --cores all --configfile <other.yaml>`.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/data.smk"


rule all:
    default_target: True
    input:
        all_targets(),
