# Training (robust_train/): one job per dataset x training set x method x seed.


rule train:
    input:
        train=trainset_input,
        dev="results/clean/{dataset}/dev.parquet",
        test="results/clean/{dataset}/test.parquet",
        report="results/clean/{dataset}/report.json",
        search=search_best_input,
        teacher=teacher_input,
    output:
        model=directory("results/train/{dataset}/{trainset}/{method}/seed{seed}/model"),
        metrics="results/train/{dataset}/{trainset}/{method}/seed{seed}/metrics.json",
        # Timings vary run to run: beside the benchmarks, so results/ is byte-identical.
        timing="benchmarks/train/{dataset}/{trainset}/{method}/seed{seed}.timing.json",
    log:
        "logs/train/{dataset}/{trainset}/{method}/seed{seed}.log",
    benchmark:
        "benchmarks/train/{dataset}/{trainset}/{method}/seed{seed}.tsv"
    priority: train_priority
    conda:
        ENV
    threads: TRAIN["threads"]
    resources:
        gpu=train_gpus,
    params:
        settings=train_params,
        code=code_version("train"),
    script:
        "../workflow/scripts/train.py"


# A distillation teacher's outputs (robust_train/distil.py) on a student's training rows: their own
# job, so a change to the student's settings reruns the student, not the teacher.
rule teach:
    input:
        rows=trainset_input,
        clean_report="results/clean/{dataset}/report.json",
        models=teacher_models,
    output:
        "results/teach/{dataset}/{trainset}/{teacher}/seed{seed}.json",
    log:
        "logs/teach/{dataset}/{trainset}/{teacher}/seed{seed}.log",
    benchmark:
        "benchmarks/teach/{dataset}/{trainset}/{teacher}/seed{seed}.tsv"
    conda:
        ENV
    threads: TRAIN["threads"]
    params:
        settings=teach_params,
        code=code_version("teach"),
    script:
        "../workflow/scripts/teach.py"
