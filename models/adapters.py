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

    from models.pretrained import load_for_training

    folder = Path(folder)
    base = json.loads((folder / "adapter_config.json").read_text())["base_model_name_or_path"]
    labels_path = folder / LABELS_FILE
    if not labels_path.is_file():
        raise ConfigError(f"{folder}: an adapter folder without {LABELS_FILE} (the head's labels). Fix: point at an "
                          "adapter the train rule wrote (results/train/.../model/adapter) or at the merged model folder.")
    id2label = {int(k): v for k, v in json.loads(labels_path.read_text())["id2label"].items()}
    _, model, _, _, _ = load_for_training(task, base, [id2label[i] for i in range(len(id2label))], trust_remote_code,
                                          "the adapter's base model",
                                          f"{folder}/adapter_config.json names base {base!r}: make it loadable here "
                                          "(the packaged `minilm`, a local folder, or a hub id online).")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=trust_remote_code)
    return tokenizer, PeftModel.from_pretrained(model, folder).merge_and_unload()
