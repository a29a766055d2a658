"""Distillation: a student trains on a teacher's soft labels mixed with the gold labels.

The teacher's output on each training row (its class distribution; NER: one per word) is computed
once by its own job (``teacher_outputs``) and handed to the student's training through the
features (``attach_targets``): the first sub-word of each word carries its word's distribution,
exactly where the gold tag sits. The loss is Hinton et al.'s (2015): alpha x T^2 x KL(teacher_T ||
student_T) + (1 - alpha) x cross-entropy with the gold labels, per unit (row or token), averaged over
the units the gold loss counts; a unit without a teacher output (an online adversarial row) trains
on gold only.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from robustflow.tasks import IGNORE, Task

log = logging.getLogger(__name__)
FLOOR = 1e-8  # a teacher probability of 0 (NER words lost to truncation) as a log that stays finite


@dataclass(frozen=True)
class DistilSettings:
    """A student's settings (`distil.students.<name>`) and its teacher's outputs, id -> distribution."""

    temperature: float
    alpha: float
    layers: int | None
    teacher: dict  # row id -> probabilities (NER: one list per word)
    soft_only: frozenset = frozenset()  # ids of transfer rows: the teacher's labels only, never the gold ones

    @classmethod
    def from_params(cls, params: dict, teacher: dict, soft_only: frozenset = frozenset()) -> "DistilSettings":
        return cls(float(params["temperature"]), float(params["alpha"]), params.get("layers"), teacher, soft_only)

    def fingerprint(self) -> tuple:
        """What a resumed checkpoint must have been trained with: these settings and these soft labels
        (a retrained teacher gives the same rows other labels)."""
        labels = hashlib.sha256(json.dumps(self.teacher, sort_keys=True).encode()).hexdigest()[:16]
        if not self.soft_only:
            return self.temperature, self.alpha, self.layers, labels
        return self.temperature, self.alpha, self.layers, labels, sorted(self.soft_only)


def distillation_loss(logits: torch.Tensor, labels: torch.Tensor, teacher: torch.Tensor, mask: torch.Tensor,
                      temperature: float, alpha: float) -> torch.Tensor:
    """Mean over the gold loss's units (rows; NER: first sub-words) of alpha x T^2 x KL(teacher at T
    || student at T) + (1 - alpha) x cross-entropy; units with mask 0 have no teacher: gold only;
    units with mask 2 (a transfer row) the teacher only: T^2 x KL. ``teacher`` holds probabilities
    (the shape of ``logits``). With alpha 0 and no transfer rows this is the model's own
    cross-entropy loss."""
    classes = logits.shape[-1]
    logits, labels = logits.reshape(-1, classes).float(), labels.reshape(-1)
    teacher, mask = teacher.reshape(-1, classes).float(), mask.reshape(-1)
    counted = labels != IGNORE
    gold = F.cross_entropy(logits, labels, ignore_index=IGNORE, reduction="none")
    target = F.softmax(teacher.clamp_min(FLOOR).log() / temperature, dim=-1)
    student = F.log_softmax(logits / temperature, dim=-1)
    soft = (target * (target.clamp_min(FLOOR).log() - student)).sum(-1) * temperature ** 2
    per_unit = torch.where(mask == 1, alpha * soft + (1 - alpha) * gold, gold)
    per_unit = torch.where(mask == 2, soft, per_unit)
    return per_unit[counted].mean()


def attach_targets(features: list[dict], rows: Sequence[dict], word_ids: list, teacher: dict, classes: int,
                   soft_only: frozenset = frozenset()) -> None:
    """Add each feature's teacher distribution and mask (NER: per piece, on first sub-words only, where
    the gold tag sits): 1 where the teacher labelled the row, 2 for a transfer row (``soft_only``:
    the teacher's label alone), 0 for a row the teacher did not label."""
    zero = [0.0] * classes
    for i, (feature, row) in enumerate(zip(features, rows)):
        dist = teacher.get(row["id"])
        labelled = 2 if row["id"] in soft_only else 1
        if word_ids:  # token classification: the word's distribution on its first piece
            pieces, labels = word_ids[i], feature["labels"]
            known = [dist is not None and label != IGNORE for label in labels]
            feature["teacher"] = [dist[w] if ok else zero for w, ok in zip(pieces, known)]
            feature["teacher_mask"] = [labelled if ok else 0 for ok in known]
        else:
            feature["teacher"] = dist if dist is not None else zero
            feature["teacher_mask"] = labelled if dist is not None else 0


def kept_layers(total: int, keep: int) -> list[int]:
    """``keep`` evenly spaced layers of ``total``, the last one included (6 -> 3: 1, 3, 5)."""
    return sorted({round((i + 1) * total / keep) - 1 for i in range(keep)})


def keep_layers(model, keep: int) -> list[int]:
    """Cut the encoder to ``keep`` of its layers (in place; the config says so, so the saved model
    loads as the smaller one). Returns the kept layer indices."""
    encoder = getattr(model.base_model, "encoder", None)
    layers = getattr(encoder, "layer", None) if encoder is not None else None
    if not isinstance(layers, torch.nn.ModuleList):
        raise ValueError(f"{type(model.base_model).__name__} has no encoder.layer list to cut: `distil.students.*.layers` "
                         "works for BERT-like encoders (BERT, MiniLM, RoBERTa, ELECTRA). Fix: set layers to null")
    total = len(layers)
    if keep >= total:
        return list(range(total))
    chosen = kept_layers(total, keep)
    encoder.layer = torch.nn.ModuleList([layers[i] for i in chosen])
    model.config.num_hidden_layers = keep
    log.info("student: encoder layers %s of %d kept", chosen, total)
    return chosen


def teacher_outputs(task: Task, specs: Sequence[dict], rows: Sequence[dict], clean_report_path: str, batch_size: int,
                    device: str) -> dict:
    """Row id -> the teachers' mean distribution (classification: per class; NER: per word), each
    teacher behind the defence saved with it. One model in memory at a time."""
    from models.devices import resolve_device
    from models.existing import load_model
    from robust_train.predict import predict

    device = resolve_device(device, "train.device")
    total: list | None = None
    for k, spec in enumerate(specs):
        t = load_model(task, spec, clean_report_path, device)
        _, dists = predict(t.model, t.tokenizer, rows, task, t.label2id, t.id2label, t.max_length, batch_size, device,
                           defence=t.defence)
        log.info("teacher %d/%d (%s): %d rows labelled", k + 1, len(specs), spec["name_or_path"], len(rows))
        total = dists if total is None else [_add(a, b) for a, b in zip(total, dists)]
        del t
    return {row["id"]: _scale(d, 1 / len(specs)) for row, d in zip(rows, total or [])}


def _add(a, b):
    return [_add(x, y) for x, y in zip(a, b)] if isinstance(a[0], list) else [x + y for x, y in zip(a, b)]


def _scale(a, factor: float):
    return [_scale(x, factor) for x in a] if isinstance(a[0], list) else [x * factor for x in a]
