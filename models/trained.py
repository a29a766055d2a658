"""Models this workflow trained, or any fine-tuned checkpoint of the task, for evaluation and
attacks: the weights (a LoRA adapter folder merged onto its base), the tokenizer, the labels, the
trained length, and the input defence saved in the folder (models/defences), if any."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from models.pretrained import load_pretrained, prepare_for_batches


def trained_length(tokenizer, model) -> int:
    """The length to truncate at: robustflow saves the trained length as the tokenizer's
    model_max_length; tokenizers without one (a huge sentinel) fall back to the position limit."""
    if tokenizer.model_max_length and tokenizer.model_max_length < 1_000_000:
        return tokenizer.model_max_length
    return getattr(model.config, "max_position_embeddings", 512)


@dataclass
class TrainedModel:
    model: object
    tokenizer: object
    id2label: dict[int, str]
    max_length: int  # the length it was trained at
    defence: object = None  # models.defences.Defence saved with the model (its input normaliser)

    @property
    def labels(self) -> list[str]:
        return [self.id2label[i] for i in range(len(self.id2label))]

    @property
    def label2id(self) -> dict[str, int]:
        return {v: k for k, v in self.id2label.items()}


def load_trained(task, model_dir: str | Path, device: str = "cpu", dataset_labels: Sequence[str] | None = None,
                 label_map: dict[str, str] | None = None, trust_remote_code: bool = False) -> TrainedModel:
    """A model this workflow trained, or any fine-tuned checkpoint of the task (a folder or a hub
    id), on ``device``. With ``dataset_labels``, its labels are renamed through ``label_map`` and
    checked to be exactly those (a ConfigError naming the mismatch otherwise)."""
    from models.adapters import is_adapter, load_adapter
    from models.defences import Defence
    from models.labels import relabel

    if is_adapter(model_dir):  # a LoRA adapter folder: its base, the adapter merged on top
        tokenizer, model = load_adapter(task, model_dir, trust_remote_code)
    else:
        tokenizer, model = load_pretrained(task.auto_model_class(), str(model_dir), "model",
                                           "point at a folder written by the train rule or `save_pretrained` "
                                           "(config.json, weights, tokenizer files), or a hub id on a machine with "
                                           "network access.", trust_remote_code=trust_remote_code)
    prepare_for_batches(tokenizer, model, str(model_dir))
    model = model.to(device)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    if dataset_labels is not None:
        id2label = relabel(id2label, label_map, task.model_labels(dataset_labels), f"model {model_dir}")
    defence = Defence.load(model_dir) if Path(str(model_dir)).is_dir() else None
    return TrainedModel(model, tokenizer, id2label, trained_length(tokenizer, model), defence)
