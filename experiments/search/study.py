"""The study on its journal file: opened the same way by every worker, seeded per worker."""

from __future__ import annotations

from pathlib import Path

from experiments.search.settings import SearchSettings

CONSTRAINTS = "constraints"  # user attribute: floors' values, <= 0 is feasible


def constraints_of(frozen) -> list[float]:
    return frozen.user_attrs.get(CONSTRAINTS, [])


def open_study(s: SearchSettings, journal: str | Path, worker: int):
    """The study ``s.study_name`` in ``journal`` (created by the first worker to get there). Each
    worker's sampler has its own seed: with one seed, parallel workers would all start from the
    same random suggestions."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # our log says what each trial did
    Path(journal).parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL lock files: safe on NFSv3+ (a cluster's shared filesystem) as well as local disks.
    storage = JournalStorage(JournalFileBackend(str(journal), lock_obj=JournalFileOpenLock(str(journal))))
    seed = s.seed * 1000 + worker
    floors = s.objective.get("min_clean") is not None or s.objective.get("min_under_attack") is not None
    constraints = constraints_of if floors else None
    if s.block["sampler"] == "random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    else:
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=s.block["startup_trials"],
                                             constant_liar=True, constraints_func=constraints)
    pruner = (optuna.pruners.MedianPruner(n_startup_trials=s.block["startup_trials"], n_warmup_steps=1)
              if s.block["pruning"] else optuna.pruners.NopPruner())
    return optuna.create_study(storage=storage, sampler=sampler, pruner=pruner, study_name=s.study_name,
                               direction="maximize", load_if_exists=True)

