# Adaptive search (experiments/search): worker jobs share one Optuna study on a journal file, then
# the best feasible trial's settings train as the variant <trainset>/search (rule train).


rule search_worker:
    input:
        train=search_trainset_input,
        dev="results/clean/{dataset}/dev.parquet",
        report="results/clean/{dataset}/report.json",
    output:
        "results/search/{dataset}/worker{worker}.json",
    log:
        "logs/search/{dataset}/worker{worker}.log",
    benchmark:
        "benchmarks/search/{dataset}/worker{worker}.tsv"
    conda:
        ENV
    threads: TRAIN["threads"]
    resources:
        gpu=train_gpus,
    params:
        settings=search_params,
        # Not an output: the study lives across reruns (a killed worker resumes from it), and
        # every worker appends to it.
        journal="results/search/{dataset}/journal.log",
        code=code_version("search_worker"),
    script:
        "../workflow/scripts/search_worker.py"


rule search_best:
    input:
        workers=search_worker_outputs,
    output:
        "results/search/{dataset}/best.json",
    log:
        "logs/search/{dataset}/best.log",
    conda:
        ENV
    params:
        search=SEARCH_BLOCK,
        code=code_version("search_best"),
    script:
        "../workflow/scripts/search_best.py"
