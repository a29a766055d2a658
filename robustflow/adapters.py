"""Loading LoRA adapter folders (robust_train/lora.py writes them): the base model named in
adapter_config.json with a head for the labels in labels.json, the adapter merged on top."""

from __future__ import annotations

import json
from pathlib import Path

from robustflow.errors import ConfigError

ADAPTER_DIR = "adapter"  # inside a trained model's folder
LABELS_FILE = "labels.json"  # the head's labels, which an adapter folder has no config.json for


def is_adapter(folder: str | Path) -> bool:
    return (Path(folder) / "adapter_config.json").is_file()


def load_adapter(task, folder: str | Path, trust_remote_code: bool = False):
    """(tokenizer, model) of an adapter folder: its base with a head for its labels, the adapter
    loaded on top and merged (inference needs no separate adapter pass)."""
    from peft import PeftModel

    from robustflow.models import load_pretrained

    folder = Path(folder)
    base = json.loads((folder / "adapter_config.json").read_text())["base_model_name_or_path"]
    labels_path = folder / LABELS_FILE
    if not labels_path.is_file():
        raise ConfigError(f"{folder}: an adapter folder without {LABELS_FILE} (the head's labels). Fix: point at an "
                          "adapter the train rule wrote (results/train/.../model/adapter) or at the merged model folder.")
    id2label = {int(k): v for k, v in json.loads(labels_path.read_text())["id2label"].items()}
    problem = {"problem_type": task.problem_type} if task.problem_type else {}
    _, model = load_pretrained(task.auto_model_class(), base, "the adapter's base model",
                               f"{folder}/adapter_config.json names base {base!r}: make it loadable here (the packaged "
                               "`minilm`, a local folder, or a hub id online).", trust_remote_code=trust_remote_code,
                               num_labels=len(id2label), id2label=id2label,
                               label2id={v: k for k, v in id2label.items()}, ignore_mismatched_sizes=True, **problem)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=trust_remote_code)
    return tokenizer, PeftModel.from_pretrained(model, folder).merge_and_unload()
