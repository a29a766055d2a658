# The robustness report (report/): summary.json, plots and one self-contained HTML page; the same
# figures go into `snakemake --report report.zip` through the report() annotations.


rule report:
    input:
        report_inputs,
    output:
        html=report(
            "results/report/report.html",
            caption="../workflow/report/report.rst",
            category="Report",
        ),
        summary=report(
            "results/report/summary.json",
            caption="../workflow/report/summary.rst",
            category="Report",
        ),
        plots=report(
            directory("results/report/plots"),
            patterns=["{name}.png"],
            caption="../workflow/report/plots.rst",
            category="Plots",
        ),
        gates="results/report/gates.json",
        junit="results/report/junit.xml",
        # per-row outcomes of the compared figures: what a later run's `compare.reference` pairs with
        outcomes="results/report/outcomes.json",
        # Timings change every run: beside the benchmarks, so results/ stays byte-identical.
        compute_html="benchmarks/report/compute.html",
        compute_json="benchmarks/report/compute.json",
    log:
        "logs/report.log",
    localrule: True
    conda:
        ENV
    params:
        datasets=report_datasets(),
        benchmarks=benchmark_files(),
        config=report_config(),
        # whose code versions summary.json records (computed by the job: as a parameter they would
        # make every stage's code edit rerun the report by name, not only through its inputs)
        stages=report_stages(),
        code=code_version("report"),
    script:
        "../workflow/scripts/report.py"


# Robustness gates (config `gates`): the report job has evaluated them (gates.json, junit.xml, the
# table in the report); this job fails the run when one failed, so CI stops the release.
rule gates:
    input:
        "results/report/gates.json",
    output:
        "results/report/gates_passed.txt",
    log:
        "logs/gates.log",
    localrule: True
    conda:
        ENV
    params:
        code=code_version("gates"),
    script:
        "../workflow/scripts/gates.py"


# Model cards (report/model_card.py): every trained model's figures in the Hugging Face model-card
# format (YAML model-index), one README.md per model, so they travel with it; `export_model` copies a
# model folder with its card in it (on demand: `snakemake results/export/<dataset>/<trainset>/<method>/seed<n>`).
rule model_cards:
    input:
        "results/report/summary.json",
    output:
        directory("results/report/cards"),
    log:
        "logs/model_cards.log",
    localrule: True
    conda:
        ENV
    params:
        train_code=code_version("train"),
        code=code_version("model_cards"),
    script:
        "../workflow/scripts/model_cards.py"


rule export_model:
    input:
        model="results/train/{dataset}/{trainset}/{method}/seed{seed}/model",
        cards="results/report/cards",
    output:
        directory("results/export/{dataset}/{trainset}/{method}/seed{seed}"),
    log:
        "logs/export/{dataset}/{trainset}/{method}/seed{seed}.log",
    localrule: True
    conda:
        ENV
    params:
        code=code_version("export_model"),
    script:
        "../workflow/scripts/export_model.py"


# The sweep's chosen point (report/choose.py, the `sweep.choose` rule), promoted: its model of the
# first seed copied to results/best/, with what was chosen and why.
rule best_model:
    input:
        unpack(best_model_inputs),
    output:
        model=directory("results/best/{dataset}/model"),
        choice="results/best/{dataset}/choice.json",
    log:
        "logs/best_model/{dataset}.log",
    localrule: True
    conda:
        ENV
    params:
        seed=TRAIN["seeds"][0],
        train_code=code_version("train"),  # named in the promoted model's card
        code=code_version("best_model"),
    script:
        "../workflow/scripts/best_model.py"
