"""Adaptive search: a seeded Optuna study shared by parallel worker jobs on a journal file, its
best feasible trial promoted and retrained exactly, and the config errors of the block."""

from __future__ import annotations

import copy
import json

import pytest

from conftest import absolutise, repo_config, run_snakemake
from robustflow.errors import ConfigError
from experiments.search.summary import pick_best


def _trial(number, value, constraints=(), state="COMPLETE"):
    return {"number": number, "state": state, "value": value, "values": {"constraints": list(constraints)}}


def test_the_best_trial_is_the_highest_feasible_one():
    trials = [_trial(0, 0.9, [0.05]), _trial(1, 0.6, [-0.1]), _trial(2, 0.7, [0.0]), _trial(3, 0.95, state="PRUNED"),
              _trial(4, 0.7, [-0.2])]
    best, feasible = pick_best(trials)
    assert (best["number"], feasible) == (2, True), "0 misses its floor; 2 and 4 tie and 2 came first"
    best, feasible = pick_best([_trial(0, 0.9, [0.05]), _trial(1, 0.5, [0.01])])
    assert (best["number"], feasible) == (1, False), "none feasible: the least violating, flagged"
    assert pick_best([_trial(0, 0.9, state="PRUNED")]) == (None, False)


def test_search_config_errors_name_the_key_and_the_fix(validated):
    cfg = absolutise(repo_config("tiny_classification"))
    bad = copy.deepcopy(cfg)
    bad["search"] = {"method": "pgd", "trials": 2, "workers": 3, "trainset": "repaired",
                     "space": {"epsilon": {"low": 0.0, "high": 1.0, "log": True}, "dropout": {"choices": [0.1]},
                               "alpha": {"low": 0.5, "high": 0.1}},
                     "objective": {"recipe": "nosuch"}}
    with pytest.raises(ConfigError) as err:
        validated(bad)
    text = str(err.value)
    assert "`search.space.epsilon`: a log scale needs low > 0" in text
    assert "`search.space.dropout`: not a setting a search can vary" in text
    assert "`search.space.alpha`: low (0.5) must be below high (0.1)" in text
    assert "`search.objective.recipe`: 'nosuch' is not in `attack.recipes`" in text
    assert "`search.workers` (3) is more than `search.trials` (2)" in text
    assert "`search.trainset`: 'repaired' is not in `train.trainsets`" in text


def _search_config():
    cfg = absolutise(repo_config("tiny_classification"))
    cfg["augment"]["augmenters"] = {}
    cfg["train"].update(methods=["none"], trainsets=["clean"], epochs=2)
    cfg["attack"] = {"recipes": {"deepwordbug": {"type": "deepwordbug"}}, "shards": 1, "evaluate": {"max_examples": 8}}
    cfg["evaluate"] = {"suites": {}}
    cfg["search"] = {"method": "fgm", "trials": 4, "workers": 2, "startup_trials": 2,
                     "space": {"epsilon": {"low": 0.01, "high": 1.0, "log": True}, "lr": {"low": 1.0e-5, "high": 1.0e-4}},
                     "objective": {"maximize": "under_attack", "attacked_rows": 8, "min_clean": 0.0}}
    return cfg


@pytest.mark.workflow
def test_two_parallel_workers_share_the_budget_and_the_best_trial_is_retrained_exactly(tmp_path):
    import optuna

    cfg = _search_config()
    run_snakemake(tmp_path, cfg)
    res = tmp_path / "results"
    best = json.loads((res / "search/tiny/best.json").read_text())
    # the budget, exactly: 2 trials per worker, 4 in the study's journal
    workers = [json.loads((res / f"search/tiny/worker{w}.json").read_text()) for w in (0, 1)]
    assert [len(w["trials"]) for w in workers] == [2, 2]
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(res / "search/tiny/journal.log")))
    study = optuna.load_study(study_name=best["study"], storage=storage)
    assert len(study.trials) == 4 and all(t.state.name == "COMPLETE" for t in study.trials)
    assert sorted(t.number for t in study.trials) == [t["number"] for t in best["table"]]
    # the record: the best trial's settings and figures, the highest objective value
    top = max(study.trials, key=lambda t: (t.value, -t.number))
    assert best["best"]["number"] == top.number and best["best"]["settings"] == top.params
    assert best["best"]["value"] == top.value == top.user_attrs["under_attack"]
    assert set(best["best"]["settings"]) == {"epsilon", "lr"}
    assert len({json.dumps(t["settings"], sort_keys=True) for t in best["table"]}) == 4, "the workers suggested apart"
    # the promoted variant trains with those settings and reproduces the trial's dev score
    metrics = json.loads((res / "train/tiny/clean/search/seed7/metrics.json").read_text())
    assert metrics["method"] == "fgm"
    assert metrics["dev"]["accuracy"] == pytest.approx(best["best"]["values"]["dev"], abs=1e-9)
    assert (res / "evaluate/tiny/clean/search/seed7.json").is_file()
    html = (res / "report/report.html").read_text()
    assert "clean/search" in html
    # the report's search section: every trial in its table, the history plot
    assert "Adaptive search (Optuna)" in html and f"{best['best']['number']} (promoted)" in html
    assert (res / "report/plots/tiny_search_history.png").stat().st_size > 1000
    assert [t["number"] for t in json.loads((res / "report/summary.json").read_text())["datasets"]["tiny"]["search"]["table"]] \
        == [t["number"] for t in best["table"]]
    assert not (res / "search/tiny/work").exists() or not any((res / "search/tiny/work").iterdir())
    # a rerun does nothing; a bigger budget reruns the search (a new study) and what depends on it
    assert "Nothing to be done" in run_snakemake(tmp_path, cfg, "-n").stdout
    cfg["search"]["trials"] = 6
    dry = run_snakemake(tmp_path, cfg, "-n").stdout
    jobs = sorted(line.split()[1].rstrip(":") for line in dry.splitlines() if line.startswith(("rule ", "localrule ")))
    assert jobs == ["all", "attack_shard", "evaluate", "merge_attack", "model_cards", "report", "search_best", "search_worker",
                    "search_worker", "train"], dry[-3000:]
    assert "method=none" not in dry, "the baseline is not retrained"


def test_the_report_shows_pruned_and_infeasible_trials_apart(tmp_path):
    from report.plots import search_history
    from report.summary import search_summary
    from report.tables import search_table

    best = {"study": "s", "method": "pgd", "objective": {"maximize": "under_attack"}, "budget": 4, "workers": 2,
            "trials": {"COMPLETE": 3, "PRUNED": 1},
            "table": [{**t, "settings": {"epsilon": 0.1 * t["number"]}} for t in
                      (_trial(0, 0.3, [-0.1]), _trial(1, 0.6, [0.05]), _trial(2, None, state="PRUNED"), _trial(3, 0.4, [-0.2]))]}
    best["best"] = {**best["table"][3], "feasible": True}
    search = search_summary(best)
    assert [t["feasible"] for t in search["table"]] == [True, False, False, True]
    assert search_history("tiny", search, tmp_path / "h.png").stat().st_size > 1000
    html = search_table(search)
    assert "3 (promoted)" in html and "pruned" in html and html.count(">no</td>") == 2
