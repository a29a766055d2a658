# Robustness evaluation: perturbation suites made once from the test split, then one job per model.


rule perturb_suite:
    input:
        rows="results/clean/{dataset}/test.parquet",
        code=pkg_sources("augment/augmenters", "augment/io", "augment/common"),
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
    script:
        "../workflow/scripts/perturb_suite.py"


rule evaluate:
    input:
        unpack(evaluate_inputs),
        code=pkg_sources(
            "robust_train", "augment/attacks/job.py", "augment/common", "augment/io"
        ),
    output:
        "results/evaluate/{dataset}/{trainset}/{method}/seed{seed}.json",
    log:
        "logs/evaluate/{dataset}/{trainset}/{method}/seed{seed}.log",
    benchmark:
        "benchmarks/evaluate/{dataset}/{trainset}/{method}/seed{seed}.tsv"
    conda:
        ENV
    threads: config["evaluate"]["threads"]
    params:
        settings=evaluate_params,
    script:
        "../workflow/scripts/evaluate.py"
