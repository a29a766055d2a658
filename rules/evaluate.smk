# Robustness evaluation (evaluation/): one job per trained model, on the clean test split, the
# perturbation suites (rules/augment.smk), its attacks and the baseline's adversarial examples.


rule evaluate:
    input:
        unpack(evaluate_inputs),
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
        code=code_version("evaluate"),
    script:
        "../workflow/scripts/evaluate.py"
