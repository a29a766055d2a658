"""The workflow's own layer, above every stage but the report: what the Snakefile runs while it
builds the DAG (code digests that rerun exactly the jobs whose code changed, stale-lock release,
checks of what a config points at on this machine), the hyper-parameter search (trials that train,
attack and evaluate) and experiment tracking (MLflow). The report reads the search's summary."""
