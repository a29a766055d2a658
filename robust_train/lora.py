"""LoRA through peft: low-rank adapters on the attention projections, the task head trained in
full. Adversarial training still works on the embedding output: the perturbation is a tensor of its
own that requires grad, so the frozen embedding layer does not stop its gradient.

A trained LoRA model is saved twice: merged into the base weights (the folder every later job
reads, as fast as the base model) and as the adapter alone (`adapter/`: megabytes, loadable on the
base with `load_trained`: models.adapters)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from models.adapters import ADAPTER_DIR, LABELS_FILE
from robustflow.errors import ConfigError


@dataclass(frozen=True)
class LoraSettings:
    """`model.lora` (defaults in the schema)."""

    r: int
    alpha: int
    dropout: float
    target_modules: tuple[str, ...] | None  # None: peft's choice for the architecture (BERT query/value, Llama q_proj/v_proj)

    @classmethod
    def from_config(cls, block: dict | None) -> "LoraSettings | None":
        if not block:
            return None
        modules = block.get("target_modules")
        return cls(block["r"], block["alpha"], block["dropout"], tuple(modules) if modules else None)


def with_lora(model, task, settings: LoraSettings, also_train: list[str] = ()):
    """``model`` wrapped by peft: only the adapters, the task head and the modules in ``also_train``
    (those the checkpoint had no weights for: left frozen they would stay random, and the adapter
    would not hold them) train."""
    from peft import LoraConfig, TaskType, get_peft_model

    config = LoraConfig(task_type=TaskType.SEQ_CLS if task.name == "classification" else TaskType.TOKEN_CLS,
                        r=settings.r, lora_alpha=settings.alpha, lora_dropout=settings.dropout,
                        target_modules=list(settings.target_modules) if settings.target_modules else None,
                        modules_to_save=list(also_train) or None)
    try:
        return get_peft_model(model, config)
    except ValueError as exc:
        kind = getattr(model.config, "model_type", "?")
        raise ConfigError(f"`model.lora`: LoRA could not be applied to this {kind} model: {exc}. Fix: set "
                          "`model.lora.target_modules` to the names of its attention projections (e.g. [query, value] "
                          "for BERT, [q_proj, v_proj] for Llama/Qwen/Mistral; print(model) lists them).") from None


def save_lora(model, tokenizer, base_name: str, folder: Path):
    """Write the adapter to ``folder/adapter`` and return the merged model (to save in ``folder``).
    The adapter records the configured base name (`minilm`, a folder, a hub id), not this machine's path."""
    adapter = folder / ADAPTER_DIR
    model.peft_config["default"].base_model_name_or_path = base_name
    model.save_pretrained(adapter, safe_serialization=True)
    tokenizer.save_pretrained(adapter)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    (adapter / LABELS_FILE).write_text(json.dumps({"id2label": id2label}, indent=1, sort_keys=True))
    return model.merge_and_unload()
