# Adversarial examples (augment/attacks): every attack (dataset x split x model x recipe) runs as
# `attack.shards` jobs over interleaved slices of the same seeded sample, then one merge job.


rule attack_shard:
    input:
        unpack(attack_rows),
        model=trained_model,
    output:
        "results/attack/{dataset}/{attack_split}/{model}/{recipe}/shard{shard}.jsonl",
    log:
        "logs/attack/{dataset}/{attack_split}/{model}/{recipe}/shard{shard}.log",
    benchmark:
        "benchmarks/attack/{dataset}/{attack_split}/{model}/{recipe}/shard{shard}.tsv"
    priority: baseline_first
    conda:
        ENV
    threads: ATTACK["threads"]
    resources:
        gpu=1 if ATTACK["device"] == "cuda" else 0,
    params:
        settings=attack_params,
        model=model_params,
        code=code_version("attack_shard"),
    script:
        "../workflow/scripts/attack_shard.py"


rule merge_attack:
    input:
        attack_shards,
    output:
        records="results/attack/{dataset}/{attack_split}/{model}/{recipe}.jsonl",
        summary="results/attack/{dataset}/{attack_split}/{model}/{recipe}.json",
    log:
        "logs/attack/{dataset}/{attack_split}/{model}/{recipe}/merge.log",
    localrule: True
    conda:
        ENV
    params:
        code=code_version("merge_attack"),
    script:
        "../workflow/scripts/merge_attack.py"
