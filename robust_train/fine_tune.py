"""The training job: pick the training rows, train, evaluate on the clean test split, write outputs."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from robust_train.trainer import EpochRows, TrainConfig, train
from robustflow.atomic import write_json
from robustflow.rows import read_json, read_rows
from robustflow.seeds import seeded_sample
from robustflow.tasks import Task, task_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FineTuneSettings:
    task: Task
    model: str  # model.name_or_path
    max_train_samples: int | None  # a seeded sample of the training set
    train: TrainConfig
    online: object = None  # OnlineSettings: attack the model between epochs (training set `online`)
    defence: tuple | None = None  # (name, `defences.<name>`): an input defence trained and saved with the model
    distil: dict | None = None  # a student's {temperature, alpha, layers[, transfer]} (`distil.students.<name>`)

    @classmethod
    def from_params(cls, method: str, seed: int, params: dict) -> "FineTuneSettings":
        """``params``: {task, model: the `model` section, settings: `train` without other methods' blocks,
        for the online training set online: {settings: `train.online`, recipes: the recipes it runs},
        for a defended method (`<method>+<defence>`) defence: {name, settings}, and for a student
        distil: {teacher, temperature, alpha, layers}}."""
        train_settings, model = params["settings"], params["model"]
        online = None
        if params.get("online"):
            from robust_train.online_attack import OnlineSettings

            online = OnlineSettings.from_config(params["online"]["settings"], params["online"]["recipes"])
        defence = (params["defence"]["name"], params["defence"]["settings"]) if params.get("defence") else None
        return cls(task_for(params["task"]), model["name_or_path"], train_settings["max_train_samples"],
                   TrainConfig.from_settings(train_settings, model, method, seed), online, defence, params.get("distil"))


def training_rows(rows: list[dict], max_samples: int | None, seed: int) -> list[dict]:
    """``max_samples`` of the original rows (a seeded sample, in file order) and every row derived
    from them (augmented, adversarial, repair rows). Sampling the originals, not the whole set, gives
    every training set of a seed the baseline's originals: a variant differs from the baseline by the
    rows it adds, not by fewer originals."""
    originals = [r for r in rows if r.get("parent_id") is None]
    kept = seeded_sample(originals, max_samples, seed, "max_train_samples")
    if len(kept) == len(originals):
        return rows
    ids = {r["id"] for r in kept}
    return [r for r in rows if (r["id"] if r.get("parent_id") is None else r["parent_id"]) in ids]


def training_inputs(task: Task, train_path: str, dev_path: str, clean_report_path: str, max_samples: int | None,
                    seed: int) -> tuple[list[str], list[dict], list[dict]]:
    """The model's labels, the training rows (``max_samples`` originals and what derives from them)
    and the dev rows: what a training job and a search trial train on."""
    labels = task.model_labels(read_json(clean_report_path)["labels"])
    rows = training_rows(read_rows(train_path), max_samples, seed)
    return labels, rows, read_rows(dev_path)


def build_defence(settings: FineTuneSettings, rows: list[dict]):
    """The defence a defended method trains with, built from its settings and the training split's
    rows (all of them, not the `max_train_samples` sample: a dictionary costs nothing to train, and
    every word of the split it knows is one it will not rewrite)."""
    if settings.defence is None:
        return None
    from models.defences import Defence

    name, block = settings.defence
    return Defence.build(name, block, settings.task, rows)


def online_rows(settings: FineTuneSettings, rows: list[dict], defence=None) -> EpochRows | None:
    """The online adversarial examples of each epoch, made against the model being trained (behind
    its defence, when it has one)."""
    if settings.online is None:
        return None
    from robust_train.online_attack import OnlineAttack

    attack, cfg = OnlineAttack(settings.task, settings.online, settings.train.seed), settings.train

    def make(model, tokenizer, label2id, epoch):
        device = str(next(model.parameters()).device)
        return attack(model, tokenizer, label2id, rows, epoch, cfg.max_length, device, defence)

    return EpochRows(make, settings.online.start_epoch, settings.online.max_rows(len(rows)), repr(settings.online))


def fine_tune(settings: FineTuneSettings, train_path: str, dev_path: str, test_path: str, clean_report_path: str,
              out_model: str, out_metrics: str, out_timing: str | None = None, teacher_path: str | None = None) -> dict | None:
    """Train and write the model and metrics.json (deterministic: no timings) and, when given,
    ``out_timing`` (this run's seconds and throughput, kept with the benchmarks). A student reads its
    teacher's outputs from ``teacher_path`` (the teach job's file). With ``train.processes`` > 1 the
    ranks are spawned here and rank 0 writes; this returns None then."""
    paths = (train_path, dev_path, test_path, clean_report_path, out_model, out_metrics, out_timing, teacher_path)
    if settings.train.processes > 1:
        from models.devices import resolve_device
        from robust_train.distributed import launch

        launch(settings.train.processes, resolve_device(settings.train.device, "train.device"), _fine_tune_rank,
               settings, paths, job_log_files())
        return None
    return _fine_tune(settings, *paths)


def job_log_files() -> list[str]:
    """The job log's files, for the spawned ranks to write to as well."""
    return [h.baseFilename for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]


def _fine_tune_rank(settings: FineTuneSettings, paths: tuple, log_files: list[str]) -> None:
    from robust_train.distributed import Ranks

    rank = Ranks.current().rank
    root = logging.getLogger()
    root.setLevel(logging.INFO if rank == 0 else logging.WARNING)  # rank 0 tells the story; the others only warn
    for path in log_files:
        handler = logging.FileHandler(path)
        handler.setFormatter(logging.Formatter(f"%(asctime)s rank {rank} %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    _fine_tune(settings, *paths)


def _fine_tune(settings: FineTuneSettings, train_path: str, dev_path: str, test_path: str, clean_report_path: str,
               out_model: str, out_metrics: str, out_timing: str | None = None, teacher_path: str | None = None) -> dict:
    from robust_train.distributed import Ranks

    task, cfg = settings.task, settings.train
    transfer = settings.distil is not None and settings.distil.get("transfer") == "all"
    labels, rows, dev = training_inputs(task, train_path, dev_path, clean_report_path,
                                        None if transfer else settings.max_train_samples, cfg.seed)
    test = read_rows(test_path)
    checkpoint = Path(out_model).parent / "checkpoint"
    timing: dict = {}
    defence = build_defence(settings, read_rows(train_path))
    distil = None
    if settings.distil is not None:
        from robust_train.distil import DistilSettings

        soft_only = frozenset()
        if transfer:  # every row outside the sample the other variants train on: the teacher's labels only
            sampled = {r["id"] for r in training_rows(rows, settings.max_train_samples, cfg.seed)}
            soft_only = frozenset(r["id"] for r in rows if r["id"] not in sampled)
        distil = DistilSettings.from_params(settings.distil, read_json(teacher_path)["rows"], soft_only)
    metrics = train(task, rows, dev, labels, settings.model, cfg, out_model, checkpoint, test_rows=test,
                    epoch_rows=online_rows(settings, rows, defence), timing=timing, defence=defence, distil=distil)
    if not Ranks.current().main:
        return metrics
    metrics["labels"] = labels
    write_json(out_metrics, metrics)
    if out_timing:
        write_json(out_timing, timing)
    shutil.rmtree(checkpoint, ignore_errors=True)  # the finished model is saved; resume state is no longer needed
    log.info("%s seed %d: dev %s test %s", cfg.adversarial.method, cfg.seed, metrics["history"][-1],
             {k: v for k, v in metrics["test"].items() if k != "per_type"})
    return metrics
