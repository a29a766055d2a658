# Augmentation stage: one job per (dataset, augmenter), then a merge job per dataset.


rule augment:
    input:
        train="results/clean/{dataset}/train.parquet",
        code=pkg_sources("augment/augmenters", "augment/io", "augment/common"),
    output:
        rows="results/augment/{dataset}/{augmenter}.parquet",
        stats="results/augment/{dataset}/{augmenter}.json",
    log:
        "logs/augment/{dataset}/{augmenter}.log",
    benchmark:
        "benchmarks/augment/{dataset}/{augmenter}.tsv"
    conda:
        ENV
    threads: 1
    params:
        settings=augmenter_params,
    script:
        "../workflow/scripts/augment.py"


rule merge_augmented:
    input:
        unpack(merge_inputs),
        code=pkg_sources("augment/mixing", "augment/common", "augment/io"),
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
    script:
        "../workflow/scripts/merge_augmented.py"
