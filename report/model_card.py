"""Model cards: each trained model's robustness figures in the Hugging Face model-card format
(a README.md whose YAML `model-index` the Hub, `huggingface_hub.ModelCard` and leaderboards read),
so the figures travel with the model when its folder is copied or pushed.

The figures are the report's: the model's own clean metric, each perturbation suite and each
attack (the metric under attack) with the rows they were measured on, and the report's 95%
interval where the variant has this one seed (with several seeds the report's intervals pool them,
so a seed's card gives its own figure without one)."""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from pathlib import Path

from models.pretrained import hub_id
from report.aggregate import variant_key
from robustflow.atomic import atomic_dir, write_text
from robustflow.errors import ConfigError
from robustflow.rows import read_json
from robustflow.tasks import task_for

PIPELINE = {"classification": "text-classification", "ner": "token-classification"}
LABEL = {"classification": "text classification", "ner": "named-entity recognition"}
METRIC_TYPE = {"classification": "accuracy", "ner": "seqeval"}  # NER: seqeval's entity-level micro F1

log = logging.getLogger(__name__)


def model_cards(summary: dict, train_code: str) -> dict[str, str]:
    """``{dataset/trainset/method/seed{n}: README.md text}`` for every model this run trained."""
    cards = {}
    for dataset, data in summary["datasets"].items():
        seeds = Counter(variant_key(run) for run in data["runs"])
        for run in data["runs"]:
            if run["trainset"] == "existing":
                continue
            variant = variant_key(run)
            intervals = data["evidence"]["intervals"].get(variant, {}) if seeds[variant] == 1 else {}
            cards[f"{dataset}/{variant}/seed{run['seed']}"] = model_card(summary, dataset, run, intervals, train_code)
    return cards


def figures(task_name: str, evaluation: dict, intervals: dict) -> list[dict]:
    """(label, value, n, interval) of the model's clean metric, suites and attacks."""
    task = task_for(task_name)
    clean = evaluation["clean"]
    out = [("clean", "clean", "clean", evaluation["headline"], clean["n"])]
    out += [(f"suite {name}", "suite", name, s["metric"], s["n"]) for name, s in evaluation.get("suites", {}).items()]
    out += [(f"under {name}", "attack", name, a["metric_under_attack"], a["examples"])
            for name, a in evaluation.get("attacks", {}).items()]
    rows = []
    for label, kind, name, value, n in out:
        interval = intervals.get(label)
        rows.append({"label": label, "kind": kind, "name": name, "value": value, "n": n,
                     # a suite and an attack may share a name (NER's `mentions`): the config tells them apart
                     "config": name if kind == "clean" else f"{kind}/{name}",
                     "interval": [interval["low"], interval["high"]] if interval and interval["n"] == n else None,
                     "metric": task.metric_name})
    return rows


def model_card(summary: dict, dataset: str, run: dict, intervals: dict, train_code: str) -> str:
    from huggingface_hub import EvalResult, ModelCardData

    task = summary["task"]
    config = summary["config"]
    defence = (run.get("defence") or {}).get("train")
    name = f"{dataset}-{run['trainset']}-{run['method']}-seed{run['seed']}".replace("+", "-")
    rows = figures(task, run["evaluation"], intervals)
    results = [EvalResult(task_type=PIPELINE[task], dataset_type=dataset, dataset_name=dataset, dataset_split="test",
                          metric_type=METRIC_TYPE[task], metric_value=round(r["value"], 6),
                          metric_name=metric_name(r), metric_config=r["config"],
                          metric_args={"n": r["n"], **({"interval_95": [round(x, 6) for x in r["interval"]]}
                                                       if r["interval"] else {})})
               for r in rows]
    base = config["model"]["name_or_path"]
    data = ModelCardData(
        base_model=hub_id(base), library_name="transformers", pipeline_tag=PIPELINE[task], tags=["robustflow", "adversarial-robustness"],
        datasets=[dataset], model_name=name, eval_results=results,
        robustflow={"dataset": dataset, "trainset": run["trainset"], "method": run["method"], "seed": run["seed"],
                    "defence": defence.get("name") if isinstance(defence, dict) else None, "base_model": base,
                    "train_code": train_code, "version": summary["software"].get("robustflow")})
    return f"---\n{data.to_yaml()}\n---\n\n{body(name, task, run, rows, base, train_code, data.robustflow['defence'])}"


def metric_name(row: dict) -> str:
    if row["kind"] == "clean":
        return f"clean {row['metric']}"
    if row["kind"] == "suite":
        return f"{row['metric']} on the {row['name']} suite"
    return f"{row['metric']} under the {row['name']} attack"


def body(name: str, task: str, run: dict, rows: list[dict], base: str, train_code: str, defence: str | None) -> str:
    lines = [f"# {name}", "",
             f"A {LABEL[task]} model fine-tuned by robustflow from `{base}`: training set `{run['trainset']}`, "
             f"method `{run['method']}`, seed {run['seed']} (training code {train_code}).", "",
             "| figure | value | rows | 95% interval |", "| --- | ---: | ---: | --- |"]
    for r in rows:
        interval = f"{r['interval'][0]:.3f} to {r['interval'][1]:.3f}" if r["interval"] else "-"
        lines.append(f"| {metric_name(r)} | {r['value']:.3f} | {r['n']} | {interval} |")
    lines += ["", "Measured by the robustflow report of the run that trained it (`summary.json`); attacks "
              "query the model as deployed, with its input defence when it has one."]
    if defence:  # the weights alone are not the measured model
        lines += ["", f"These figures are those of the model behind its `{defence}` input defence (saved in `defence/`): "
                  "load it with robustflow (`models.trained.load_trained`) to predict through it; plain "
                  "`transformers` loading skips the defence and does not have these figures."]
    return "\n".join(lines) + "\n"


def card_results(path: str) -> dict:
    """The evaluation results an existing model's card declares (its `model-index`), for the report to
    show beside what this run measured; a card that does not parse is reported, not fatal."""
    from huggingface_hub import ModelCard

    try:
        results = ModelCard(Path(path).read_text(encoding="utf-8")).data.eval_results or []
    except Exception as error:  # a hand-written README.md is no contract: say why its figures are missing
        log.warning("%s is not a readable model card (%s): its figures are not shown", path, error)
        return {"path": path, "results": [], "error": f"{type(error).__name__}: {error}"}
    return {"path": path, "error": None, "results": [
        {"name": r.metric_name or r.metric_type, "type": r.metric_type, "value": r.metric_value,
         "config": r.metric_config, "dataset": r.dataset_name, "split": r.dataset_split,
         "n": (r.metric_args or {}).get("n") if isinstance(r.metric_args, dict) else None} for r in results]}


def measured_here(evaluation: dict, config: str | None):
    """This run's figure for a card's `config` (robustflow's own cards name them: clean,
    suite/<name>, attack/<recipe>), or None when the card's figure is not one measured here."""
    kind, _, name = (config or "").partition("/")
    if config == "clean":
        return evaluation["headline"]
    if kind == "suite" and name in evaluation.get("suites", {}):
        return evaluation["suites"][name]["metric"]
    if kind == "attack" and name in evaluation.get("attacks", {}):
        return evaluation["attacks"][name]["metric_under_attack"]
    return None


def export_model(model_dir: str, cards_dir: str, key: str, out_dir: str) -> None:
    """A copy of the model folder with its card as README.md: the folder to push or hand on."""
    card = Path(cards_dir) / key / "README.md"
    if not card.is_file():
        raise ConfigError(f"no model card for {key} in {cards_dir}: only models this run trained and evaluated have "
                          "one. Fix: export one of " + ", ".join(sorted(str(p.parent.relative_to(cards_dir))
                                                                        for p in Path(cards_dir).rglob("README.md"))))
    with atomic_dir(out_dir) as tmp:
        shutil.copytree(model_dir, tmp, dirs_exist_ok=True)
        shutil.copyfile(card, Path(tmp) / "README.md")
    log.info("exported %s with its model card to %s", key, out_dir)


def write_model_cards(summary_path: str, out_dir: str, train_code: str) -> int:
    """One README.md per trained model under ``out_dir``/dataset/trainset/method/seed{n}/."""
    cards = model_cards(read_json(summary_path), train_code)
    log.info("%d model card(s) in %s", len(cards), out_dir)
    with atomic_dir(out_dir) as tmp:  # an interrupted job leaves no folder that looks complete
        for key, text in cards.items():
            write_text(Path(tmp) / key / "README.md", text)
    return len(cards)
