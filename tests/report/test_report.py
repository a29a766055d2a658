"""The whole chain on the tiny configs: attacks, adversarial training set, evaluation, report; then
what reads or reruns a finished chain (same bytes twice, compare, model cards, gates, existing
models). Each chain runs once per session (conftest's chain fixtures); checks that write get a copy."""

from __future__ import annotations

import copy
import json
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile

import pytest
from huggingface_hub import ModelCard

from robustflow import iob
from robustflow.rows import read_rows
from conftest import run_snakemake

pytestmark = pytest.mark.workflow


def jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_tiny_chain_produces_the_report_and_summary(classification_chain, tmp_path):
    cfg, res = classification_chain.config, classification_chain.results
    summary = json.loads((res / "report/summary.json").read_text())
    data = summary["datasets"]["tiny"]
    assert set(data["variants"]) == {"clean/none", "clean/fgm", "adversarial/none", "adversarial/fgm"}
    assert summary["config"]["attack"]["shards"] == 2 and summary["software"]["textattack"]

    # Every run's figures agree with the artifacts they come from.
    test_rows = read_rows(res / "clean/tiny/test.parquet")
    for run in data["runs"]:
        ev, where = run["evaluation"], f"{run['trainset']}/{run['method']}/seed7"
        assert ev["clean"]["n"] == len(test_rows) and 0 <= ev["clean"]["accuracy"] <= 1
        assert 0 <= ev["calibration"]["ece"] <= 1 and sum(b["count"] for b in ev["calibration"]["bins"]) == len(test_rows)
        records = jsonl(res / f"attack/tiny/test/{where}/deepwordbug.jsonl")
        assert len(records) == min(8, len(test_rows))
        attack = ev["attacks"]["deepwordbug"]
        assert attack["metric_under_attack"] == sum(r["status"] == "failed" for r in records) / len(records)
        assert attack["clean_metric"] >= attack["metric_under_attack"]
        for name in ("typos_10", "typos_30", "synonyms"):
            suite = ev["suites"][name]
            assert suite["n"] == len(read_rows(res / f"suites/tiny/{name}.parquet")) > 0
            assert suite["drop"] == pytest.approx(suite["clean_metric"] - suite["metric"])

    baseline = jsonl(res / "attack/tiny/test/clean/none/seed7/deepwordbug.jsonl")
    transfer = data["variants"]["clean/none"]["transfer"]["deepwordbug"]
    if any(r["status"] == "success" for r in baseline):  # the baseline is wrong on all of its own successes
        assert transfer["mean"] == 0.0

    # clean + adversarial training set: the clean rows plus every successful attack on train.
    generated = jsonl(res / "attack/tiny/train/clean/none/seed7/deepwordbug.jsonl")
    adversarial = read_rows(res / "adversarial/tiny/train.parquet")
    clean = read_rows(res / "clean/tiny/train.parquet")
    successes = [r for r in generated if r["status"] == "success"]
    assert len(adversarial) == len(clean) + len(successes)
    assert [r["parent_id"] for r in adversarial[len(clean):]] == [r["id"] for r in successes]
    assert all(r["source"] == "deepwordbug" for r in adversarial[len(clean):])
    # Progress reaches each shard's log after TextAttack's import (its dictConfig used to mute our loggers).
    for k in (0, 1):
        shard_log = (classification_chain.workdir / f"logs/attack/tiny/train/clean/none/seed7/deepwordbug/shard{k}.log").read_text()
        assert "deepwordbug: 6/6 attacked" in shard_log, shard_log

    html = (res / "report/report.html").read_text()
    for needle in ("clean/none", "adversarial/fgm", "deepwordbug", "typos_30", "data:image/png;base64,", "Compute cost"):
        assert needle in html
    assert "http://" not in html and "https://" not in html, "the report must open offline"
    # the example browser carries every attacked test row of every model, confidences included
    embedded = html[html.index("class='browse-data'>") + len("class='browse-data'>"):]
    browsed = json.loads(embedded[:embedded.index("</script>")])
    assert len(browsed) == 4 * 8 and {r["v"] for r in browsed} == set(data["variants"])
    assert all(len(r["k"]) == 2 for r in browsed if r["o"] != "skipped")
    plots = {p.name for p in (res / "report/plots").iterdir()}
    assert {"tiny_clean_vs_attack.png", "tiny_noise.png", "tiny_attack_success.png"} <= plots
    # Timings live beside the benchmarks (results/ is byte-identical run to run), linked from the report.
    assert "../../benchmarks/report/compute.html" in html and "compute" not in summary
    compute = json.loads((classification_chain.workdir / "benchmarks/report/compute.json").read_text())
    assert {"train", "attack", "evaluate", "suites"} <= {row["stage"] for row in compute["jobs"]}
    assert {(r["trainset"], r["method"]) for r in compute["training"]} == {(t, m) for t in ("clean", "adversarial")
                                                                           for m in ("none", "fgm")}
    assert all(r["train_seconds_this_run"] > 0 for r in compute["training"])
    assert "data:image/png;base64," in (classification_chain.workdir / "benchmarks/report/compute.html").read_text()

    # Intervals for every figure, paired comparisons with the baseline, calibration before and after.
    evidence = data["evidence"]
    for variant, figures in evidence["intervals"].items():
        clean_stat = figures["clean"]
        assert clean_stat["n"] == len(test_rows) and clean_stat["low"] <= clean_stat["value"] <= clean_stat["high"]
        assert figures["under deepwordbug"]["n"] == min(8, len(test_rows))
        run = next(r for r in data["runs"] if f"{r['trainset']}/{r['method']}" == variant)
        assert clean_stat["value"] == pytest.approx(run["evaluation"]["headline"])
        assert "rows" not in run["evaluation"], "per-row data stays in the evaluation files"
    compared = {(c["variant"], c["figure"]) for c in evidence["comparisons"]}
    assert ("adversarial/fgm", "under deepwordbug") in compared and ("clean/fgm", "clean") in compared
    assert all(c["p_adjusted"] >= c["p"] for c in evidence["comparisons"])
    assert all(c["real"] == (c["p_adjusted"] < 0.05 and (c["low"] > 0 or c["high"] < 0)) for c in evidence["comparisons"])
    for run in data["runs"]:
        scaled = run["evaluation"]["calibration_scaled"]
        assert scaled["temperature"] > 0 and scaled["n"] == run["evaluation"]["calibration"]["n"]
    assert "What the evidence says" in html and "tiny_reliability.png" in plots
    evaluation = json.loads((res / "evaluate/tiny/clean/none/seed7.json").read_text())
    assert len(evaluation["rows"]["clean"]["rows"]) == len(test_rows)

    workdir = classification_chain.workdir
    assert "Nothing to be done" in run_snakemake(workdir, cfg, "-n").stdout
    run_snakemake(workdir, cfg, "--report", str(tmp_path / "report.zip"))
    names = zipfile.ZipFile(tmp_path / "report.zip").namelist()
    assert any(n.endswith("report.html") for n in names) and any(n.endswith("tiny_noise.png") for n in names)


def test_the_classification_chain_gives_the_same_bytes_twice(classification_chain, tmp_path):
    assert_same_results_in_a_second_run(classification_chain, tmp_path)


def test_the_ner_chain_gives_the_same_bytes_twice(ner_chain, tmp_path):
    assert_same_results_in_a_second_run(ner_chain, tmp_path)


def ran_rules(proc) -> set[str]:
    return set(re.findall(r"^\s*(?:local)?rule (\w+):", proc.stdout + proc.stderr, flags=re.M))


def test_existing_models_are_evaluated_without_training(classification_chain_copy):
    """The chain's baseline evaluated as an existing model, as it is and as a copy whose labels are
    named otherwise (renamed back by label_map): no training job, and the same figures, byte for byte,
    as when it was evaluated as a trained model. Then beside trained models in one report."""
    workdir, cfg, res = classification_chain_copy.workdir, classification_chain_copy.config, classification_chain_copy.results
    trained = res / "train/tiny/clean/none/seed7/model"
    renamed = workdir / "renamed_model"
    shutil.copytree(trained, renamed)
    model_config = json.loads((renamed / "config.json").read_text())
    labels = model_config["id2label"]
    model_config["id2label"] = {i: f"LABEL_{i}" for i in labels}
    model_config["label2id"] = {f"LABEL_{i}": int(i) for i in labels}
    (renamed / "config.json").write_text(json.dumps(model_config))
    card = res / "report/cards/tiny/clean/none/seed7/README.md"  # the model's own card travels with the copy
    shutil.copyfile(card, renamed / "README.md")

    existing = copy.deepcopy(cfg)
    existing["train"]["methods"] = []
    existing["existing_models"] = {"renamed": {"name_or_path": str(renamed)}}
    proc = run_snakemake(workdir, existing, check=False)
    assert proc.returncode != 0 and "its labels do not match the dataset's" in proc.stdout + proc.stderr
    assert "Fix: add `label_map:" in proc.stdout + proc.stderr

    existing["existing_models"] = {"mine": {"name_or_path": str(trained)},
                                   "renamed": {"name_or_path": str(renamed),
                                               "label_map": {f"LABEL_{i}": label for i, label in labels.items()}}}
    ran = ran_rules(run_snakemake(workdir, existing))
    assert "train" not in ran and {"attack_shard", "evaluate", "report"} <= ran, ran
    summary = json.loads((res / "report/summary.json").read_text())["datasets"]["tiny"]
    assert set(summary["variants"]) == {"existing/mine", "existing/renamed"}
    assert summary["evidence"]["baseline"] == "existing/mine"
    as_trained = (res / "evaluate/tiny/clean/none/seed7.json").read_bytes()
    for name in ("mine", "renamed"):  # the baseline's own adversarial examples are the transfer set in both
        assert (res / f"evaluate/tiny/existing/{name}.json").read_bytes() == as_trained, name
    html = (res / "report/report.html").read_text()
    assert "Existing models" in html and str(renamed) in html and "LABEL_0 → " in html
    # its card's figures beside this run's: the same model on the same rows, so the same values
    run = next(r for r in summary["runs"] if r["method"] == "renamed")
    declared = {c["config"]: c for c in run["card"]["results"]}
    assert run["card"]["error"] is None and declared["clean"]["value"] == pytest.approx(run["evaluation"]["headline"], abs=1e-6)
    assert declared["attack/deepwordbug"]["n"] == 8 and "What their model cards say" in html
    assert "card" not in next(r for r in summary["runs"] if r["method"] == "mine"), "a folder without README.md"

    # Side by side with trained models: the existing model's attacks are reused; nothing is trained.
    both = copy.deepcopy(cfg)
    both["existing_models"] = {"mine": {"name_or_path": str(trained)}}
    ran = ran_rules(run_snakemake(workdir, both))
    assert "train" not in ran and "attack_shard" not in ran, ran
    summary = json.loads((res / "report/summary.json").read_text())["datasets"]["tiny"]
    assert set(summary["variants"]) == {"clean/none", "clean/fgm", "adversarial/none", "adversarial/fgm",
                                        "existing/mine"}
    same = [c for c in summary["evidence"]["comparisons"] if c["variant"] == "existing/mine"]
    assert same and all(c["difference"] == 0 for c in same), "the baseline compared with itself"


def test_model_cards_hold_the_report_s_figures(classification_chain_copy):
    """Every trained model's card parses as a Hugging Face model card whose model-index holds the
    report's figures with their rows; exporting a model copies its folder with the card in it."""
    workdir, res = classification_chain_copy.workdir, classification_chain_copy.results
    data = json.loads((res / "report/summary.json").read_text())["datasets"]["tiny"]
    for run in data["runs"]:
        key = f"tiny/{run['trainset']}/{run['method']}/seed7"
        card = ModelCard((res / "report/cards" / key / "README.md").read_text())
        found = {r.metric_config: r for r in card.data.eval_results}
        intervals = data["evidence"]["intervals"][f"{run['trainset']}/{run['method']}"]
        assert found["clean"].metric_value == pytest.approx(run["evaluation"]["headline"], abs=1e-6)
        assert found["clean"].metric_args["n"] == run["evaluation"]["clean"]["n"] == intervals["clean"]["n"]
        attack, figure = found["attack/deepwordbug"], intervals["under deepwordbug"]
        assert attack.metric_value == pytest.approx(run["evaluation"]["attacks"]["deepwordbug"]["metric_under_attack"], abs=1e-6)
        assert attack.metric_args == {"n": 8, "interval_95": pytest.approx([figure["low"], figure["high"]], abs=1e-6)}
        assert {"suite/typos_10", "suite/typos_30", "suite/synonyms"} <= set(found)
        assert card.data.base_model == "sentence-transformers/all-MiniLM-L6-v2" and card.data.pipeline_tag == "text-classification"
        assert card.data.robustflow["method"] == run["method"] and card.data.robustflow["seed"] == 7
    run_snakemake(workdir, None, "results/export/tiny/clean/fgm/seed7", "--configfile", str(workdir / "config.yaml"))
    exported, trained = res / "export/tiny/clean/fgm/seed7", res / "train/tiny/clean/fgm/seed7/model"
    assert (exported / "model.safetensors").read_bytes() == (trained / "model.safetensors").read_bytes()
    assert (exported / "README.md").read_text() == (res / "report/cards/tiny/clean/fgm/seed7/README.md").read_text()


def test_a_failing_gate_fails_the_run(classification_chain_copy):
    """Gates rerun only the report and the gates job; a failing one makes snakemake exit non-zero
    with what failed, and the report and JUnit file are still written."""
    workdir, cfg = classification_chain_copy.workdir, classification_chain_copy.config
    gated = json.loads(json.dumps(cfg))
    gated["gates"] = {"accuracy": {"metric": "clean", "min": 0.0},
                      "attack_floor": {"metric": "under_attack", "recipe": "deepwordbug", "min": 1.01,
                                       "variants": ["clean/fgm"]}}
    proc = run_snakemake(workdir, gated, check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "robustness gates: 4 of 5 passed" in out and "FAILED attack_floor: tiny clean/fgm: under_attack deepwordbug" in out
    assert {"report", "gates"} <= ran_rules(proc) <= {"report", "gates", "model_cards"}  # cards: may start before gates fail
    suite = ET.fromstring((workdir / "results/report/junit.xml").read_text()).find("testsuite")
    assert suite.get("tests") == "5" and suite.get("failures") == "1"
    html = (workdir / "results/report/report.html").read_text()
    assert "Robustness gates" in html and "1 of 5 gates failed" in html
    assert not (workdir / "results/report/gates_passed.txt").exists()
    del gated["gates"]["attack_floor"]
    run_snakemake(workdir, gated)
    assert "4 of 4 passed" in (workdir / "results/report/gates_passed.txt").read_text()


def test_a_second_identical_run_compared_with_the_first_is_no_change(classification_chain, tmp_path):
    """`compare.reference` on a second identical run (a copy of the first: the byte-identity check
    above shows a rerun gives these bytes): only the report and what reads it rerun; every figure
    is identical, row for row, and a regression gate passes."""
    first, cfg = classification_chain.workdir, classification_chain.config
    second = classification_chain.copy_to(tmp_path / "again").workdir
    gated = copy.deepcopy(cfg)
    gated["gates"] = {"no_regression": {"metric": "regression", "margin": 0.0}}
    # as the README's CI recipe passes it: on the command line
    proc = run_snakemake(second, gated, "--config", f"compare={{reference: {first / 'results'}}}")
    assert {"report", "gates"} <= ran_rules(proc) <= {"report", "gates", "model_cards", "all"}, ran_rules(proc)
    section = json.loads((second / "results/report/summary.json").read_text())["reference"]
    assert section["folder"] == str((first / "results/report").resolve()) and section["rows_kept"]
    assert section["summary"][0].startswith("No change: all ") and not section["new"] and not section["gone"]
    assert len(section["comparisons"]) > 20 and all(c["paired"] for c in section["comparisons"])
    assert section["provenance"] == {"data": [], "settings": [], "code": [], "software": [], "unrecorded": []}
    suite = ET.fromstring((second / "results/report/junit.xml").read_text()).find("testsuite")
    assert suite.get("failures") == "0" and int(suite.get("tests")) == len(section["comparisons"])
    assert "Since the reference run" in (second / "results/report/report.html").read_text()


def assert_same_results_in_a_second_run(chain, tmp_path):
    """Same config and seed: every file under results/ has the same bytes, training, attacks,
    evaluation and the report included (timings are kept in benchmarks/)."""
    first, second = chain.workdir, tmp_path / "again"
    second.mkdir()
    run_snakemake(second, chain.config)
    files = sorted(p.relative_to(first) for p in (first / "results").rglob("*") if p.is_file())
    assert len(files) > 50 and files == sorted(p.relative_to(second) for p in (second / "results").rglob("*") if p.is_file())
    differ = [str(f) for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert not differ, f"{differ}\n{training_start_lines(first, second, differ)}"


def training_start_lines(first, second, differ) -> str:
    """For each differing training job, what its two logs say about its start (numeric environment,
    initial weights, first batch): tells inputs, start state and kernels apart when a run drifts."""
    lines = []
    for path in differ:
        parts = path.split("/")
        if parts[:2] == ["results", "train"] and parts[-1] == "metrics.json":
            log = "logs/train/" + "/".join(parts[2:-1]) + ".log"
            for run in (first, second):
                text = (run / log).read_text() if (run / log).is_file() else ""
                lines += [f"{run.name}: {line}" for line in text.splitlines() if "numerics" in line or "first batch" in line]
    return "\n".join(lines)


def test_tiny_ner_chain_reports_entity_types_and_keeps_gold_entities(ner_chain):
    cfg, res = ner_chain.config, ner_chain.results
    summary = json.loads((res / "report/summary.json").read_text())
    ds = next(iter(cfg["datasets"]))
    data = summary["datasets"][ds]
    assert set(data["variants"]) == {"clean/none", "adversarial/none", "clean/none+spelling", "adversarial/none+spelling"}
    clean = data["runs"][0]["evaluation"]["clean"]
    assert {"precision", "recall", "f1", "per_type"} <= set(clean)
    assert set(data["variants"]["clean/none"]["per_type_f1"]) == set(clean["per_type"])
    for recipe in ("deepwordbug", "mentions"):
        for split in ("train", "test"):
            for r in jsonl(res / f"attack/{ds}/{split}/clean/none/seed{cfg['seed']}/{recipe}.jsonl"):
                assert [t for t, _, _ in iob.spans(r["tags"])] == [t for t, _, _ in iob.spans(r["perturbed_tags"])]
                assert not iob.invalid_positions(r["perturbed_tags"])
    for row in read_rows(res / f"adversarial/{ds}/train.parquet"):
        assert len(row["tokens"]) == len(row["tags"]) and not iob.invalid_positions(row["tags"])
    assert (res / f"report/plots/{ds}_per_type_f1.png").is_file()
    assert "F1 per entity type" in (res / "report/report.html").read_text()
    # The defended variants: the defence is saved with the model and measured on the clean test split;
    # their attacks queried the defended tagger, still keeping every gold entity.
    defended = [r for r in data["runs"] if r["method"] == "none+spelling"]
    assert len(defended) == 2 and all(r["defence"]["test"]["name"] == "spelling" for r in defended)
    assert all(r["defence"]["test"]["rows"] == len(read_rows(res / f"clean/{ds}/test.parquet")) for r in defended)
    model = res / f"train/{ds}/clean/none+spelling/seed{cfg['seed']}/model"
    assert json.loads((model / "defence/defence.json").read_text())["settings"]["spelling"]["keep_capitalized"] == "auto"
    for r in jsonl(res / f"attack/{ds}/test/clean/none+spelling/seed{cfg['seed']}/deepwordbug.jsonl"):
        assert [t for t, _, _ in iob.spans(r["tags"])] == [t for t, _, _ in iob.spans(r["perturbed_tags"])]
    assert "Input defences" in (res / "report/report.html").read_text()
    # The tagger's card: entity F1 (seqeval), a suite and an attack of the same name kept apart, the defence named.
    card = ModelCard((res / f"report/cards/{ds}/clean/none+spelling/seed{cfg['seed']}/README.md").read_text())
    found = {r.metric_config: r for r in card.data.eval_results}
    assert card.data.pipeline_tag == "token-classification" and {r.metric_type for r in found.values()} == {"seqeval"}
    assert {"clean", "suite/mentions", "attack/mentions", "attack/deepwordbug"} <= set(found)
    clean_defended = next(r for r in defended if r["trainset"] == "clean")
    assert found["clean"].metric_value == pytest.approx(clean_defended["evaluation"]["headline"], abs=1e-6)
    assert card.data.robustflow["defence"] == "spelling"
