"""Distillation through the real workflow: the teacher's outputs are their own job, a student's
settings rerun the student alone, NER students train on per-word soft labels."""

from __future__ import annotations

import copy
import json

import pytest

from conftest import absolutise, repo_config, run_snakemake
from robustflow.rows import read_rows
from test_workflow import planned_jobs

pytestmark = pytest.mark.workflow


def student_config(name: str) -> dict:
    cfg = absolutise(repo_config(name))
    cfg["train"].update(methods=["none", "small"], trainsets=["clean"], epochs=2, patience=0)
    cfg["distil"] = {"teachers": {"base": {"variants": ["clean/none"]}},
                     "students": {"small": {"teacher": "base", "layers": 3, "alpha": 0.7}}}
    return cfg


@pytest.mark.parametrize("name", ["tiny_classification", "tiny_ner"])
def test_a_student_trains_on_its_teachers_outputs_and_its_settings_rerun_only_it(tmp_path, name):
    cfg = student_config(name)
    ds, seed = next(iter(cfg["datasets"])), cfg["seed"]
    # the student and what it needs (after a flag: --configfile would take a bare target as a config file)
    target = ("--cores", "2", f"results/train/{ds}/clean/small/seed{seed}/metrics.json")
    run_snakemake(tmp_path, cfg, *target)
    res = tmp_path / "results"
    teach = json.loads((res / f"teach/{ds}/clean/base/seed{seed}.json").read_text())
    assert teach["models"] == [f"results/train/{ds}/clean/none/seed{seed}/model"]
    student = json.loads((res / f"train/{ds}/clean/small/seed{seed}/metrics.json").read_text())
    assert student["distil"]["teacher_rows"] == student["train_rows"] == len(teach["rows"])
    assert student["distil"]["layers"] == [1, 3, 5]  # MiniLM's 6 layers cut to 3
    model_config = json.loads((res / f"train/{ds}/clean/small/seed{seed}/model/config.json").read_text())
    assert model_config["num_hidden_layers"] == 3
    train_rows = {r["id"]: r for r in read_rows(res / f"clean/{ds}/train.parquet")}
    for row_id, dist in teach["rows"].items():
        units = dist if name == "tiny_ner" else [dist]  # NER: one distribution per word
        if name == "tiny_ner":
            assert len(units) == len(train_rows[row_id]["tokens"])
        assert all(sum(u) == pytest.approx(1.0, abs=1e-4) for u in units)

    def planned_after(change):
        changed = copy.deepcopy(cfg)
        change(changed["distil"]["students"]["small"])
        return run_snakemake(tmp_path, changed, "-n", *target)

    for change in (lambda s: s.update(alpha=0.2), lambda s: s.update(temperature=4.0), lambda s: s.update(layers=2),
                   lambda s: s.update(method="fgm")):
        planned = planned_after(change)
        assert planned_jobs(planned) == [("train", ds)] and "method=small" in planned.stdout
    # another teacher for the student: the teach job of that teacher, then the student
    changed = copy.deepcopy(cfg)
    changed["distil"]["teachers"]["ensemble"] = {"variants": ["clean/none"], "seeds": "all"}
    changed["distil"]["students"]["small"]["teacher"] = "ensemble"
    assert planned_jobs(run_snakemake(tmp_path, changed, "-n", *target)) == [("teach", ds), ("train", ds)]
