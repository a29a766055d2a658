# Experiment tracking (experiments/tracking): after the report, one job logs every model, search
# trial and the report to MLflow from the artifacts on disk. A local job: a cluster's login node
# reaches the team's server when compute nodes may not, and no job pays for importing MLflow.


rule track:
    input:
        track_inputs,
    output:
        "results/mlflow/logged.json",
    log:
        "logs/track.log",
    localrule: True
    conda:
        ENV
    params:
        spec=track_spec(),
        tracking=TRACKING,
        code=code_version("track"),
    script:
        "../workflow/scripts/track.py"
