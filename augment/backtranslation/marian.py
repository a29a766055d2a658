"""MarianMT back-translation through transformers: batched, length-bucketed, bf16/fp16 on GPU.

Inputs are sorted by length and padded per batch (not to the longest text of the whole input),
which saves encoder work and decoder steps; batches hold a token budget (``max_tokens`` padded
input tokens, at most ``batch_size`` sentences), so short sentences go many to a batch and the
per-step cost of generate is shared. Each text is tokenized once (marian_io). Results return in
input order.
"""

from __future__ import annotations

import functools
import logging
from typing import Sequence

from augment.augmenters.spec import AugmenterSpec
from augment.backtranslation import marian_io
from augment.backtranslation.cache import TranslationCache
from models.devices import resolve_device
from models.padding import pad
from models.pretrained import load_pretrained
from robustflow.seeds import row_seed

log = logging.getLogger(__name__)


def pick_device_dtype(device: str, dtype: str):
    import torch

    device = resolve_device(device, "backtranslation.marian.device")
    if dtype == "auto":
        dtype = ("bfloat16" if torch.cuda.is_bf16_supported() else "float16") if device == "cuda" else "float32"
    return device, getattr(torch, dtype)


class MarianTranslator:
    def __init__(self, name_or_path: str, device: str, dtype: str, batch_size: int, max_length: int, max_tokens: int):
        import torch
        from transformers import AutoModelForSeq2SeqLM

        self.device, self.dtype = pick_device_dtype(device, dtype)
        self.tokenizer, model = load_pretrained(
            AutoModelForSeq2SeqLM, name_or_path, "translation model",
            "download it where you have network (`huggingface-cli download <id> --local-dir <folder>`) and set the "
            "folder in backtranslation.marian.models, or use backend: apertium offline.", dtype=self.dtype)
        self.model = model.to(self.device).eval()
        self.batch_size, self.max_length, self.max_tokens, self._torch = batch_size, max_length, max_tokens, torch

    def translate(self, texts: Sequence[str], sample: bool = False, seed: int = 0, top_p: float = 0.9,
                  temperature: float = 1.0) -> list[str]:
        torch = self._torch
        encoded = marian_io.encode(self.tokenizer, texts, self.max_length)
        lengths = [len(ids) for ids in encoded]
        order = sorted(range(len(texts)), key=lambda i: (lengths[i], i))
        out: list[str] = [""] * len(texts)
        with torch.inference_mode():
            for idx in token_budget_batches(order, lengths, self.max_tokens, self.batch_size):
                input_ids, mask = pad([encoded[i] for i in idx], self.tokenizer.pad_token_id,
                                                self.tokenizer.padding_side)
                batch = {"input_ids": input_ids.to(self.device), "attention_mask": mask.to(self.device)}
                kwargs = dict(max_length=self.max_length, num_beams=1)
                if sample:  # seeded by the batch's texts: same inputs and settings, same samples
                    torch.manual_seed(row_seed(seed, *[texts[i] for i in idx]) % (2**63))
                    kwargs.update(do_sample=True, top_p=top_p, temperature=temperature)
                else:
                    kwargs.update(do_sample=False)
                ids = self.model.generate(**batch, **kwargs)
                for i, text in zip(idx, marian_io.decode(self.tokenizer, ids)):
                    out[i] = text.strip()
        return out


def token_budget_batches(order: list[int], lengths: list[int], budget: int, max_rows: int) -> list[list[int]]:
    """Consecutive runs of ``order`` (sorted by length) whose padded size, rows × longest, fits ``budget``.
    ``max_rows`` bounds the decoder's memory, which grows with rows whatever the input length."""
    batches: list[list[int]] = []
    for i in order:
        last = batches[-1] if batches else []
        if last and len(last) < max_rows and (len(last) + 1) * max(lengths[i], 1) <= budget:
            last.append(i)
        else:
            batches.append([i])
    return batches


@functools.lru_cache(maxsize=8)
def load(name_or_path: str, device: str, dtype: str, batch_size: int, max_length: int,
         max_tokens: int) -> MarianTranslator:
    return MarianTranslator(name_or_path, device, dtype, batch_size, max_length, max_tokens)


def marian_round_trip(texts: list[str], pivot: str, spec: AugmenterSpec, cache: TranslationCache,
                      seed: int) -> list[list[str]]:
    """For each text, ``spec.n`` paraphrases: greedy to the pivot, then greedy (n=1) or n seeded samples back."""
    m = spec.backtranslation["marian"]
    models = m["models"][pivot]
    opts = (m["device"], m["dtype"], m["batch_size"], m["max_length"], m["max_tokens"])
    forward, backward = load(models["forward"], *opts), load(models["backward"], *opts)
    ns = {"backend": "marian", "max_length": m["max_length"]}
    middle = cache.translate(texts, {**ns, "model": models["forward"], "decoding": "greedy"},
                             lambda batch: forward.translate(batch), batch_size=4096)
    samples = []
    for k in range(spec.n if m["decoding"] == "sample" else 1):
        params = {"decoding": m["decoding"]}
        if m["decoding"] == "sample":
            params.update(top_p=m["top_p"], temperature=m["temperature"], seed=seed, k=k)
        samples.append(cache.translate(
            middle, {**ns, "model": models["backward"], **params},
            lambda batch, k=k: backward.translate(batch, sample=m["decoding"] == "sample", seed=row_seed(seed, k),
                                                  top_p=m["top_p"], temperature=m["temperature"]),
            batch_size=4096))
    return [[samples[k % len(samples)][i] for k in range(spec.n)] for i in range(len(texts))]
