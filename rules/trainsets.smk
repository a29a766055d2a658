# Training sets (augment/trainsets): the augmented set (clean train + merged augmenter rows), the
# adversarial set (clean train + the baseline's successful attacks on training rows) and the
# repaired set (clean train + the perturbations the baseline failed, sized by its failures).


rule merge_augmented:
    input:
        unpack(merge_inputs),
    output:
        train="results/augment/{dataset}/train.parquet",
        report="results/augment/{dataset}/report.json",
        table="results/augment/{dataset}/report.md",
    log:
        "logs/augment/{dataset}/merge.log",
    benchmark:
        "benchmarks/augment/{dataset}/merge.tsv"
    localrule: True  # a concatenation: not worth a cluster job
    conda:
        ENV
    params:
        settings=merge_params,
        code=code_version("merge_augmented"),
    script:
        "../workflow/scripts/merge_augmented.py"


rule adversarial_trainset:
    input:
        unpack(adversarial_inputs),
    output:
        train="results/adversarial/{dataset}/train.parquet",
        report="results/adversarial/{dataset}/report.json",
    log:
        "logs/adversarial/{dataset}.log",
    localrule: True
    conda:
        ENV
    params:
        settings=adversarial_params,
        code=code_version("adversarial_trainset"),
    script:
        "../workflow/scripts/adversarial_trainset.py"


# Targeted repair: the baseline's suite results size the new rows of each perturbation type.
rule repaired_trainset:
    input:
        unpack(repair_inputs),
    output:
        train="results/repair/{dataset}/train.parquet",
        report="results/repair/{dataset}/report.json",
    log:
        "logs/repair/{dataset}.log",
    benchmark:
        "benchmarks/repair/{dataset}.tsv"
    conda:
        ENV
    threads: 1
    params:
        settings=repair_params,
        code=code_version("repaired_trainset"),
    script:
        "../workflow/scripts/repaired_trainset.py"
