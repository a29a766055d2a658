"""Contextual substitution with a masked language model (BERT-style), batched.

For each (row, copy) the row's seed picks words (NER: O tokens only); they are masked together
and each is replaced by one of the model's top-k predictions that is a whole word (not a subword
piece, not the original), so the token count never changes.
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

from augment.augmenters.candidates import _stopwords, match_case
from augment.augmenters.spec import AugmenterSpec
from augment.augmenters.token_edits import choose_positions, is_word
from models.devices import resolve_device
from models.pretrained import load_pretrained
from robustflow.errors import ResourceError
from robustflow.seeds import row_seed
from robustflow.tasks import Task


class MaskedLM:
    def __init__(self, name_or_path: str, device: str, max_length: int, batch_size: int):
        import torch
        from transformers import AutoModelForMaskedLM

        self.tokenizer, self.model = load_pretrained(
            AutoModelForMaskedLM, name_or_path, "the mlm augmenter's masked LM",
            "set `mlm.model` to a local folder with a masked-LM head (download one where you have network, "
            "e.g. bert-base-uncased).")
        if self.tokenizer.mask_token is None:
            raise ResourceError(f"augmenter mlm: model {name_or_path!r} has no mask token; it is not a masked LM.")
        self.device = resolve_device(device, "mlm.device")
        self.model.eval().to(self.device)
        self.max_length, self.batch_size, self._torch = max_length, batch_size, torch

    def predictions(self, sentences: Sequence[Sequence[str]], top_k: int) -> list[list[list[str]]]:
        """For each sentence (words, some equal to the mask token), top-k whole-word predictions per mask."""
        torch, tok = self._torch, self.tokenizer
        out: list[list[list[str]]] = []
        with torch.inference_mode():
            for start in range(0, len(sentences), self.batch_size):
                batch = [" ".join(words) for words in sentences[start:start + self.batch_size]]
                enc = tok(batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt").to(self.device)
                logits = self.model(**enc).logits
                for row in range(len(batch)):
                    masks = (enc["input_ids"][row] == tok.mask_token_id).nonzero().flatten().tolist()
                    ranked = logits[row, masks].topk(min(4 * top_k, logits.shape[-1]), dim=-1).indices.tolist() if masks else []
                    out.append([[t for t in tok.convert_ids_to_tokens(ids) if t.isalpha()][:top_k] for ids in ranked])
        return out


def mlm_lookup(spec: AugmenterSpec, task: Task, rows: Sequence[dict], seed: int) -> Callable:
    settings = spec.mlm
    lm = MaskedLM(settings["model"], settings["device"], settings["max_length"], settings["batch_size"])
    stop = _stopwords()
    jobs, masked = [], []
    for row in rows:
        words, allowed = task.words(row), task.editable_positions(row)
        for k in range(spec.copies):
            s = row_seed(seed, spec.name, row["id"], k)
            rng = random.Random(s)
            positions = choose_positions([i for i in allowed if is_word(words[i]) and words[i].lower() not in stop], spec, rng)
            jobs.append((row["id"], k, words, positions, rng))
            masked.append([lm.tokenizer.mask_token if i in positions else w for i, w in enumerate(words)])
    predicted = lm.predictions(masked, settings["top_k"])
    table = {}
    for (row_id, k, words, positions, rng), per_mask in zip(jobs, predicted):
        if not positions:
            table[(row_id, k)] = None
            continue
        new = list(words)
        for i, options in zip(positions, per_mask):  # masks were lost to truncation if per_mask is shorter
            options = [o for o in options if o.lower() != words[i].lower()]
            if options:
                new[i] = match_case(rng.choice(options), words[i])
        table[(row_id, k)] = new

    def lookup(row: dict, k: int, seed_: int):
        new = table[(row["id"], k)]
        if new is None:
            return None, "no_eligible_token"
        return task.with_words(row, new), None

    return lookup
