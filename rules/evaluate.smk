# Robustness evaluation (evaluation/): one job per model, trained here or in `existing_models`, on
# the clean test split, the perturbation suites (rules/augment.smk), its attacks and the reference
# model's adversarial examples (transfer).


rule evaluate:
    input:
        unpack(evaluate_inputs),
    output:
        "results/evaluate/{dataset}/{model}.json",
        # the prediction time per 1,000 test rows: beside the benchmarks (it varies run to run)
        timing="benchmarks/evaluate/{dataset}/{model}.timing.json",
    log:
        "logs/evaluate/{dataset}/{model}.log",
    benchmark:
        "benchmarks/evaluate/{dataset}/{model}.tsv"
    conda:
        ENV
    threads: config["evaluate"]["threads"]
    params:
        settings=evaluate_params,
        model=model_params,
        code=code_version("evaluate"),
    script:
        "../workflow/scripts/evaluate.py"
