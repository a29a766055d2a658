# Augmentation (augment/augmenters, augment/backtranslation): one job per (dataset, augmenter) on
# the clean training split, and one per perturbation suite on the test split (a suite is an
# augmenter setting, made once and reused for every model's evaluation).


rule augment:
    input:
        train="results/clean/{dataset}/train.parquet",
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
        code=code_version("augment"),
    script:
        "../workflow/scripts/augment.py"


rule perturb_suite:
    input:
        rows="results/clean/{dataset}/test.parquet",
    output:
        rows="results/suites/{dataset}/{suite}.parquet",
        stats="results/suites/{dataset}/{suite}.json",
    log:
        "logs/suites/{dataset}/{suite}.log",
    benchmark:
        "benchmarks/suites/{dataset}/{suite}.tsv"
    conda:
        ENV
    threads: 1
    params:
        settings=suite_params,
        code=code_version("perturb_suite"),
    script:
        "../workflow/scripts/perturb_suite.py"
