"""The real Snakemake workflow on the tiny configs, in temp dirs."""

from __future__ import annotations

import copy
import json
import re

import pytest

from robustflow import iob
from robustflow.rows import read_rows
from conftest import LOCAL_ENV, absolutise, repo_config, run_snakemake, without_training

pytestmark = pytest.mark.workflow


def planned_jobs(proc) -> list[tuple[str, str]]:
    """(rule, dataset) of each job a dry run would execute."""
    jobs, rule = [], None
    for line in (proc.stdout + proc.stderr).splitlines():
        m = re.match(r"^(?:local)?rule (\w+):", line.strip())
        if m:
            rule = m.group(1)
            if rule == "all":
                jobs.append(("all", ""))
        m = re.match(r"^wildcards: dataset=([^,\s]+)", line.strip())
        if m and rule:
            jobs.append((rule, m.group(1)))
    return sorted(jobs)


def two_dataset_config():
    cfg = without_training(absolutise(repo_config("tiny_classification")))
    cfg["datasets"]["tiny2"] = json.loads(json.dumps(cfg["datasets"]["tiny"]))
    return cfg


def test_tiny_classification_runs_and_cleans(tmp_path):
    run_snakemake(tmp_path, without_training(absolutise(repo_config("tiny_classification"))))
    report = json.loads((tmp_path / "results/clean/tiny/report.json").read_text())
    assert report["splits"]["train"]["rows_in"] == 36 and report["splits"]["test"]["rows_in"] == 11
    for split, s in report["splits"].items():
        assert s["rows_in"] - s["dropped"] == s["rows_out"] == len(read_rows(tmp_path / f"results/clean/tiny/{split}.parquet"))
    counts = {name: sum(c["dropped"] + c["repaired"] for c in rule["counts"].values()) for name, rule in report["rules"].items()}
    for rule in ("html", "control_chars", "whitespace", "unicode", "empty", "length", "conflicting_labels",
                 "exact_duplicates", "near_duplicates", "leakage", "unknown_labels"):
        assert counts[rule] >= 1, f"fixture row for {rule} not handled"
    assert report["rules"]["unknown_labels"]["counts"]["test"]["dropped"] == 1
    assert "| train | 36 |" in (tmp_path / "results/clean/tiny/report.md").read_text()
    for log in ("logs/ingest/tiny.log", "logs/clean/tiny.log", "benchmarks/clean/tiny.tsv"):
        assert (tmp_path / log).stat().st_size > 0
    assert "rule leakage" in (tmp_path / "logs/clean/tiny.log").read_text()


def test_tiny_ner_runs_and_augments_label_safely(tmp_path):
    run_snakemake(tmp_path, without_training(absolutise(repo_config("tiny_ner"))))
    merged = read_rows(tmp_path / "results/augment/tiny_ner/train.parquet")
    clean = {r["id"]: r for r in read_rows(tmp_path / "results/clean/tiny_ner/train.parquet")}
    sources = {r["source"] for r in merged}
    assert sources == {"original", "typos", "mentions"}
    for row in merged:
        assert len(row["tokens"]) == len(row["tags"]) and not iob.invalid_positions(row["tags"])
        if row["source"] == "typos":  # O-token edits: same tags, same entity surfaces
            parent = clean[row["parent_id"]]
            assert row["tags"] == parent["tags"]
            assert [row["tokens"][s:e] for _, s, e in iob.spans(row["tags"])] == [parent["tokens"][s:e] for _, s, e in iob.spans(parent["tags"])]
    report = json.loads((tmp_path / "results/augment/tiny_ner/report.json").read_text())
    assert report["merge"]["original_rows"] == len(clean)
    ingest = json.loads((tmp_path / "results/ingest/tiny_ner/ingest.json").read_text())
    assert ingest["sources"]["train"]["tag_scheme"] == "iob1" and ingest["sources"]["train"]["documents"] == 2
    rows = read_rows(tmp_path / "results/clean/tiny_ner/train.parquet")
    assert all(len(r["tokens"]) == len(r["tags"]) for r in rows)
    assert all(r["tags"][0] != "I-PER" for r in rows)  # IOB1 starts became B-
    assert all("\u200b" not in tok for r in rows for tok in r["tokens"])


def test_rerun_does_nothing_and_a_parameter_change_reruns_only_its_jobs(tmp_path):
    base = two_dataset_config()
    run_snakemake(tmp_path, base)
    assert "Nothing to be done" in run_snakemake(tmp_path, base, "-n").stdout

    def planned_after(change):
        cfg = copy.deepcopy(base)
        change(cfg)
        return planned_jobs(run_snakemake(tmp_path, cfg, "-n"))

    def cleaning_param(cfg):
        cfg["datasets"]["tiny2"]["cleaning"]["length"] = {"min_tokens": 3}

    def labels(cfg):
        cfg["datasets"]["tiny2"]["labels"] = ["neg", "pos"]

    def split(cfg):  # an ingest parameter: ingest and clean of that dataset
        cfg["datasets"]["tiny"]["split"]["dev"] = 0.3

    def one_augmenter(cfg):
        cfg["augment"]["augmenters"]["typos"]["word_p"] = 0.5

    def merge_ratio(cfg):
        cfg["augment"]["merge"]["ratio"] = 0.5

    downstream = lambda ds: [("augment", ds), ("augment", ds), ("clean", ds), ("merge_augmented", ds)]
    assert planned_after(cleaning_param) == sorted([("all", ""), *downstream("tiny2")])
    assert planned_after(labels) == sorted([("all", ""), *downstream("tiny2")])
    assert planned_after(split) == sorted([("all", ""), *downstream("tiny"), ("ingest", "tiny")])
    assert planned_after(one_augmenter) == sorted([("all", ""), ("augment", "tiny"), ("augment", "tiny2"),
                                                   ("merge_augmented", "tiny"), ("merge_augmented", "tiny2")])
    assert planned_after(merge_ratio) == [("all", ""), ("merge_augmented", "tiny"), ("merge_augmented", "tiny2")]


def test_invalid_config_stops_before_any_job(tmp_path):
    cfg = without_training(absolutise(repo_config("tiny_classification")))
    cfg["cleaning"]["length"]["action"] = "dorp"
    proc = run_snakemake(tmp_path, cfg, check=False)
    assert proc.returncode != 0
    assert "`cleaning.length.action`: 'dorp' is not allowed; allowed: 'drop', 'fail', 'off'" in proc.stderr
    assert not (tmp_path / "results").exists()


def test_malformed_data_fails_the_job_with_one_clear_error_and_no_outputs(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,sentiment\ngood film,pos\nbad, film,neg\n")
    cfg = without_training(absolutise(repo_config("tiny_classification")))
    cfg["datasets"]["tiny"]["source"]["files"]["train"] = str(bad)
    proc = run_snakemake(tmp_path, cfg, check=False)
    assert proc.returncode != 0
    log = (tmp_path / "logs/ingest/tiny.log").read_text()
    assert f"DataError: {bad}, line 3: 3 fields, but the header has 2. Fix: quote fields" in log
    assert "Traceback" not in log
    assert not list((tmp_path / "results").rglob("*.parquet"))


def test_another_seed_gives_other_splits(tmp_path):
    """Same config and seed giving byte-identical files is checked on the whole chain, training,
    attacks and report included (test_report.py's chains, run twice); here a new seed must change
    the carved splits."""
    cfg = without_training(absolutise(repo_config("tiny_classification")))
    a = tmp_path / "a"
    a.mkdir()
    run_snakemake(a, cfg)
    cfg["seed"] = 8
    c = tmp_path / "c"
    c.mkdir()
    run_snakemake(c, cfg)
    assert (c / "results/ingest/tiny/dev.parquet").read_bytes() != (a / "results/ingest/tiny/dev.parquet").read_bytes()


@pytest.mark.parametrize("name, methods, trainsets", [("tiny_classification", ["none", "pgd"], ["augmented"]),
                                                      ("tiny_ner", ["fgm"], ["clean"])])
def test_training_jobs_write_models_and_metrics(tmp_path, name, methods, trainsets):
    cfg = absolutise(repo_config(name))
    cfg["train"].update(methods=methods, trainsets=trainsets)
    run_snakemake(tmp_path, cfg, "--until", "train")  # the training stage only (test_report covers the rest)
    dataset = next(iter(cfg["datasets"]))
    for method in methods:
        run = tmp_path / f"results/train/{dataset}/{trainsets[0]}/{method}/seed{cfg['seed']}"
        metrics = json.loads((run / "metrics.json").read_text())
        assert metrics["method"] == method and metrics["epochs_run"] == 1 and metrics["device"] == "cpu"
        source = "augment" if trainsets[0] == "augmented" else "clean"
        rows = read_rows(tmp_path / f"results/{source}/{dataset}/train.parquet")
        originals = [r for r in rows if r.get("parent_id") is None]
        # max_train_samples samples the original rows and keeps every row derived from them
        if len(originals) <= 48:
            assert metrics["train_rows"] == len(rows)
        assert min(48, len(originals)) <= metrics["train_rows"] <= len(rows)
        model_config = json.loads((run / "model/config.json").read_text())
        assert (run / "model/model.safetensors").is_file() and (run / "model/tokenizer.json").is_file()
        assert set(model_config["label2id"]) == set(metrics["labels"])
        assert not (run / "checkpoint").exists()
        headline = "accuracy" if name == "tiny_classification" else "f1"
        assert 0 <= metrics["test"][headline] <= 1 and 0 <= metrics["dev"][headline] <= 1
        if method != "none":
            assert all(p["adv_loss"] is not None and p["delta_norm"] is not None for p in metrics["curve"])
        assert (tmp_path / f"benchmarks/train/{dataset}/{trainsets[0]}/{method}/seed{cfg['seed']}.tsv").is_file()
    until = ("--until", "train", "-n")
    assert planned_jobs(run_snakemake(tmp_path, cfg, *until)) == []
    more = json.loads(json.dumps(cfg))
    more["train"]["seeds"] = [cfg["seed"], cfg["seed"] + 1]  # a new seed adds jobs, reruns none
    assert planned_jobs(run_snakemake(tmp_path, more, *until)) == sorted([("train", dataset)] * len(methods))
    assert f"seed={cfg['seed'] + 1}" in run_snakemake(tmp_path, more, *until).stdout
    if "pgd" in methods:  # another method's settings do not touch the other jobs
        cfg["train"]["pgd"] = {"steps": 3}
        cfg["train"]["fgm"] = {"epsilon": 0.5}
        planned = run_snakemake(tmp_path, cfg, *until).stdout
        assert planned_jobs(run_snakemake(tmp_path, cfg, *until)) == [("train", dataset)]
        assert "method=pgd" in planned and "method=none" not in planned


def trainings_started(log: str) -> list[str]:
    """The methods of the training jobs in the order snakemake started them."""
    return re.findall(r"rule train:\n(?:\s+\w+: .*\n)*?\s+wildcards: .*method=(\w+)", log)


def test_the_baseline_trains_before_the_other_variants(tmp_path):
    """The baseline's attacks feed the adversarial set and every model's transfer score: on few
    cores it goes first (it went last, behind every other variant)."""
    cfg = absolutise(repo_config("tiny_classification"))
    cfg["train"].update(methods=["fgm", "pgd", "none"], trainsets=["clean"])
    started = trainings_started(run_snakemake(tmp_path, cfg, "--until", "train", "--cores", "1").stderr)
    assert len(started) == 3 and started[0] == "none", started


def test_cpu_trainings_share_the_cores(tmp_path):
    """On a CPU-only machine, device auto asks for no GPU, so single-thread trainings run side by
    side (the local gpu=1 limit used to run them one at a time)."""
    cfg = absolutise(repo_config("tiny_classification"))
    cfg["train"].update(methods=["fgm", "none"], trainsets=["clean"], threads=1, device="auto")
    env = {**LOCAL_ENV, "CUDA_VISIBLE_DEVICES": ""}
    log = run_snakemake(tmp_path, cfg, "--until", "train", "--cores", "2", env=env).stderr
    assert sorted(trainings_started(log)) == ["fgm", "none"]
    first_finished = re.search(r"Finished jobid: \d+ \(Rule: train\)", log).start()
    assert len(trainings_started(log[:first_finished])) == 2, "the two trainings were meant to run together"
