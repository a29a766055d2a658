# Data preparation (prepare/): fetch built-in sources, ingest every dataset to Parquet splits,
# clean them.


rule fetch_builtin:
    output:
        "results/fetch/{dataset}/source.dat",
    log:
        "logs/fetch/{dataset}.log",
    localrule: True  # downloads: run where the network is, not on a compute node
    conda:
        ENV
    params:
        name=builtin_name,
        cache_dir=config["cache_dir"],
        code=code_version("fetch_builtin"),
    script:
        "../workflow/scripts/fetch_builtin.py"


rule ingest:
    input:
        unpack(source_inputs),
    output:
        train="results/ingest/{dataset}/train.parquet",
        dev="results/ingest/{dataset}/dev.parquet",
        test="results/ingest/{dataset}/test.parquet",
        report="results/ingest/{dataset}/ingest.json",
    log:
        "logs/ingest/{dataset}.log",
    benchmark:
        "benchmarks/ingest/{dataset}.tsv"
    conda:
        ENV
    params:
        spec=ingest_params,
        code=code_version("ingest"),
    script:
        "../workflow/scripts/ingest.py"


rule clean:
    input:
        train="results/ingest/{dataset}/train.parquet",
        dev="results/ingest/{dataset}/dev.parquet",
        test="results/ingest/{dataset}/test.parquet",
    output:
        train="results/clean/{dataset}/train.parquet",
        dev="results/clean/{dataset}/dev.parquet",
        test="results/clean/{dataset}/test.parquet",
        report="results/clean/{dataset}/report.json",
        table="results/clean/{dataset}/report.md",
        dropped="results/clean/{dataset}/dropped.jsonl",
    log:
        "logs/clean/{dataset}.log",
    benchmark:
        "benchmarks/clean/{dataset}.tsv"
    conda:
        ENV
    params:
        settings=clean_params,
        code=code_version("clean"),
    script:
        "../workflow/scripts/clean.py"
