#!/usr/bin/env bash
# Job status for snakemake-executor-plugin-cluster-generic: prints running, success or failed.
# SLURM version (sacct); for another scheduler, map its states the same way.
state=$(sacct -n -X -P -j "$1" -o State 2>/dev/null | head -n1 | cut -d' ' -f1)
case "$state" in
  COMPLETED) echo success ;;
  PENDING|RUNNING|REQUEUED|RESIZING|SUSPENDED|CONFIGURING|COMPLETING|"") echo running ;;
  *) echo failed ;;
esac
