"""Adversarial training over word substitution sets (ASCC, Dong et al. 2021; DNE, Zhou et al. 2021).

FGM/PGD perturb each token embedding inside a small ball that no word swap reaches: a synonym's
embedding lies far outside it. Here the adversary moves each word's embedding inside the convex
hull of the embeddings of the word and its substitutes (``SubstituteTable``): the perturbed
embedding is ``sum_j w_j E[s_j]`` with ``w = softmax(logits)`` over the word's set, and the ascent
moves the logits (from the centroid, ``steps`` normalised steps of size ``alpha``) towards the
combination that raises the loss most. The model then trains on the clean loss plus ``beta`` times
the loss at that combination. Passes per step: 1 clean + ``steps`` ascent + 1 adversarial.

Only a word that is one whole-word vocabulary piece, not continued by the next piece, is perturbed
(a piece inside a longer word has no synonyms of its own), and for a tagger only words labelled
O (an entity keeps its words, as every NER edit of this project does). Substitutes come from a
declared source (WordNet synonyms, with or without the words' other noun and verb forms, or GloVe
neighbours; resources/substitutes.py, resources/word_forms.py), antonyms and
words of the other sentiment polarity left out: the report credits the method only under
attacks that draw their candidates elsewhere (report/independence.py).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Callable, Iterable

import torch

from robustflow.candidate_sources import TRAINING_SOURCES

log = logging.getLogger(__name__)
SOURCES = tuple(TRAINING_SOURCES)  # the `train.ascc.source` settings, declared once in the ground floor


@dataclass(frozen=True)
class SubstituteTable:
    """For each vocabulary id: itself first, then up to ``k`` substitute ids (``valid`` marks the
    real ones; an id without substitutes has only itself), and whether the piece continues a word."""

    ids: torch.Tensor  # [V, k + 1] long
    valid: torch.Tensor  # [V, k + 1] bool
    continuation: torch.Tensor  # [V] bool

    @classmethod
    def build(cls, tokenizer, substitutes: Callable[[str], list[str]], k: int, used_ids: Iterable[int],
              keep: Callable[[str, str], bool] = lambda old, new: True) -> "SubstituteTable":
        """Substitutes of the whole-word pieces among ``used_ids`` (the ids the training rows hold:
        looking up the whole vocabulary would cost seconds for words never trained on), each a
        whole-word piece itself, in the substitutes' order, kept where ``keep(word, substitute)``."""
        words, continuation = whole_word_pieces(tokenizer)
        size = continuation.numel()
        ids = torch.arange(size).unsqueeze(1).repeat(1, k + 1)
        valid = torch.zeros(size, k + 1, dtype=torch.bool)
        valid[:, 0] = True
        by_id = {i: w for w, i in words.items()}
        used = set(used_ids)  # once: an iterator would be empty for the count below
        for token_id in sorted(used):
            word = by_id.get(token_id)
            if word is None or not word.isalpha():
                continue
            found = [words[c] for c in (_cased(s, word) for s in substitutes(word)) if c in words and c != word
                     and keep(word, c)][:k]
            if found:
                ids[token_id, 1:len(found) + 1] = torch.tensor(found)
                valid[token_id, 1:len(found) + 1] = True
        table = cls(ids, valid, continuation)
        log.info("substitution sets: %d of %d words of the training rows have substitutes (up to %d each)",
                 table.words_with_substitutes(), len(used), k)
        return table

    def words_with_substitutes(self) -> int:
        return int(self.valid[:, 1:].any(dim=1).sum())

    def eligible(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """[B, T] bool: positions holding a whole word with substitutes, not continued by the next piece."""
        has = self.valid[input_ids.cpu(), 1:].any(dim=-1).to(input_ids.device)
        continued = torch.zeros_like(has)
        continued[:, :-1] = self.continuation.to(input_ids.device)[input_ids[:, 1:]]
        return has & ~continued & attention_mask.bool()


def whole_word_pieces(tokenizer) -> tuple[dict[str, int], torch.Tensor]:
    """({word: id} of the pieces that are a word's start and may be a word alone, [V] bool of the
    pieces that continue a word). WordPiece marks continuations (``##``); SentencePiece (``▁``) and
    byte-level BPE (``Ġ``) mark word starts instead."""
    vocab = tokenizer.get_vocab()
    special = set(tokenizer.all_special_ids)
    continuation = torch.zeros(max(len(tokenizer), max(vocab.values()) + 1), dtype=torch.bool)
    starts = [m for m in ("▁", "Ġ") if sum(t.startswith(m) for t in vocab) > len(vocab) // 10]
    words = {}
    for token, i in vocab.items():
        if i in special:
            continue
        if starts:
            if token.startswith(starts[0]):
                words.setdefault(token[len(starts[0]):], i)
            else:
                continuation[i] = True
        elif token.startswith("##"):
            continuation[i] = True
        else:
            words.setdefault(token, i)
    return words, continuation


def _cased(substitute: str, word: str) -> str:
    """The substitute in the word's casing (a cased vocabulary has "Good" and "good")."""
    if word.isupper() and len(word) > 1:
        return substitute.upper()
    return substitute.capitalize() if word[:1].isupper() else substitute


def label_preserving(old: str, new: str) -> bool:
    """Neither an antonym (WordNet, or a negating prefix) nor a word of the other sentiment polarity:
    GloVe's nearest neighbour of "good" is "bad", and training a model to read through that swap
    teaches it to ignore the label."""
    from resources.polarity import changes_polarity
    from resources.wordnet import is_antonym_swap

    return not is_antonym_swap(old, new) and not changes_polarity(old, new)


def substitutes_of(source: str) -> Callable[[str], list[str]]:
    """The declared source's word -> substitutes."""
    from resources.substitutes import glove_neighbours, wordnet_synonyms

    needed_by = f"substitution-set adversarial training (train.ascc.source: {source})"
    if source == "wordnet":
        return wordnet_synonyms(needed_by)
    if source == "wordnet_forms":  # the word's other forms first: a cut at `substitutes` keeps them
        from resources.word_forms import word_forms

        forms, synonyms = word_forms(needed_by), wordnet_synonyms(needed_by)
        return lambda word: list(dict.fromkeys(forms(word) + synonyms(word)))
    if source == "glove":
        return glove_neighbours(needed_by)
    raise ValueError(f"train.ascc.source must be one of {SOURCES}, not {source!r}")


@dataclass(frozen=True)
class SubstitutionBatch:
    """One batch's substitution sets: [B, T, k+1] ids and validity, and the [B, T] positions perturbed."""

    ids: torch.Tensor
    valid: torch.Tensor
    eligible: torch.Tensor

    @classmethod
    def of(cls, table: SubstituteTable, input_ids: torch.Tensor, eligible: torch.Tensor) -> "SubstitutionBatch":
        cpu = input_ids.cpu()
        return cls(table.ids[cpu].to(input_ids.device), table.valid[cpu].to(input_ids.device), eligible)


def combination_delta(embeddings: torch.Tensor, batch: SubstitutionBatch, input_ids: torch.Tensor,
                      logits: torch.Tensor, vertex: bool = False) -> torch.Tensor:
    """[B, T, H]: the convex combination of each eligible word's set minus the word's own embedding
    (0 elsewhere), which the embedding hook adds to the embedding layer's output. ``vertex``: all
    weight on each set's highest logit, i.e. the embedding of one real substitute (or the word)."""
    masked = logits.masked_fill(~batch.valid, float("-inf"))
    if vertex:
        weights = torch.nn.functional.one_hot(masked.argmax(dim=-1), masked.shape[-1]).to(masked.dtype)
    else:
        weights = torch.softmax(masked, dim=-1)
    combined = torch.einsum("btk,btkh->bth", weights.to(embeddings.dtype), embeddings[batch.ids])
    return (combined - embeddings[input_ids]) * batch.eligible.unsqueeze(-1).to(embeddings.dtype)


def worst_combination(model: torch.nn.Module, loss_fn: Callable[[], torch.Tensor], batch: SubstitutionBatch,
                      input_ids: torch.Tensor, steps: int, alpha: float,
                      quiet: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
                      vertex: bool = False) -> torch.Tensor:
    """The delta of the combination the ascent ends at (detached); with ``vertex``, of the set member
    each word's weights favour most there: a discrete swap, what an attack actually makes (a soft
    mixture is a point no attack reaches). Gradients go to the logits only
    (``torch.autograd.grad``): parameter ``.grad`` is untouched."""
    from robust_train.embedding_hook import perturbed_embeddings

    embeddings = model.get_input_embeddings().weight.detach()
    logits = torch.zeros(batch.ids.shape, device=input_ids.device)
    for _ in range(steps):
        logits = logits.detach().requires_grad_(True)
        delta = combination_delta(embeddings, batch, input_ids, logits)
        with quiet(), perturbed_embeddings(model, delta):
            loss = loss_fn()
        (grad,) = torch.autograd.grad(loss, logits)
        if not bool(torch.isfinite(grad).all()):
            break
        # per position a step of length alpha: Adam-like, so rare words move as far as frequent ones
        logits = logits.detach() + alpha * grad / grad.norm(dim=-1, keepdim=True).clamp(min=1e-12)
    return combination_delta(embeddings, batch, input_ids, logits.detach(), vertex).detach()
