# Training sets (augment/trainsets): the augmented set (clean train + merged augmenter rows) and the
# adversarial set (clean train + the baseline's successful attacks on training rows).


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
