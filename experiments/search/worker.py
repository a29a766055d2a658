"""A search worker job: runs its share of the trial budget against the shared journal, resuming
its own trials after an interruption."""

from __future__ import annotations

import logging
from pathlib import Path

from experiments.search.settings import SearchSettings
from experiments.search.study import CONSTRAINTS, open_study
from experiments.search.trial import objective_value, run_trial
from robustflow.atomic import write_json

log = logging.getLogger(__name__)
WORKER = "worker"  # user attribute: which worker ran a trial


def close_interrupted(study, worker: int) -> int:
    """Mark this worker's trials left RUNNING by a killed job as FAIL (only this job runs as this
    worker, so none of them is still alive); they are not counted, their share runs again."""
    from optuna.trial import TrialState

    stale = [t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)) if t.user_attrs.get(WORKER) == worker]
    for t in stale:
        study._storage.set_trial_user_attr(t._trial_id, "interrupted", True)
        study._storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
    return len(stale)


def own_finished(study, worker: int) -> list:
    from optuna.trial import TrialState

    return [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
            if t.user_attrs.get(WORKER) == worker]


def run_worker(s: SearchSettings, worker: int, journal: str, train_path: str, dev_path: str, clean_report_path: str,
               work_root: str, out_path: str, timing_path: str | None = None) -> list[dict]:
    import optuna
    from optuna.trial import TrialState

    study = open_study(s, journal, worker)
    stale = close_interrupted(study, worker)
    if stale:
        log.info("worker %d: %d trial(s) of an interrupted run marked failed; their share runs again", worker, stale)
    quota = s.quota(worker)
    timings = []
    while len(done := own_finished(study, worker)) < quota:
        trial = study.ask()
        trial.set_user_attr(WORKER, worker)
        log.info("worker %d: trial %d (%d of %d of this worker, study %s)", worker, trial.number, len(done) + 1,
                 quota, s.study_name)

        def prune(epoch: int, score: float, trial=trial) -> None:
            trial.report(score, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"dev {score:.4f} after epoch {epoch}")

        try:
            record = run_trial(s, trial, train_path, dev_path, clean_report_path,
                               Path(work_root) / f"trial{trial.number}", prune)
        except optuna.TrialPruned as exc:
            log.info("trial %d pruned: %s", trial.number, exc)
            study.tell(trial, state=TrialState.PRUNED)
            continue
        except BaseException:
            study.tell(trial, state=TrialState.FAIL)  # a real error: the job fails; a rerun retries the trial
            raise
        value, constraints = objective_value(s.objective, record["values"])
        for key, v in record["values"].items():
            trial.set_user_attr(key, v)
        trial.set_user_attr(CONSTRAINTS, constraints)
        trial.set_user_attr("best_epoch", record["best_epoch"])
        study.tell(trial, value)
        timings.append({"number": record["number"], **record["seconds"]})
        log.info("trial %d: %s = %.4f (dev %.4f, under attack %.4f)%s", trial.number, s.objective["maximize"], value,
                 record["values"]["dev"], record["values"]["under_attack"],
                 f", constraints {constraints}" if constraints else "")
    mine = [{"number": t.number, "state": t.state.name, "value": t.value, "settings": t.params,
             "values": {k: v for k, v in t.user_attrs.items() if k not in (WORKER, "interrupted")}}
            for t in sorted(own_finished(study, worker), key=lambda t: t.number)]
    write_json(out_path, {"study": s.study_name, "worker": worker, "trials": mine})
    if timing_path:
        write_json(timing_path, {"worker": worker, "trials": timings})
    return mine
