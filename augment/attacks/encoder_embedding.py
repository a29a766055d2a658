"""A transformer's word-piece input embeddings as a TextAttack WordEmbedding (the embedding_swap
recipe): a word's candidates are the vocabulary's whole words nearest to it in the encoder's own
input-embedding space. A candidate source of its own, offline for any local model: neither GloVe's
co-occurrence neighbours (glove_swap) nor WordNet's synsets (pwws), and not what a masked LM
predicts in context (mlm_swap). Whole words only: `##` continuation pieces, single letters and
tokens with non-letters are never candidates, and a word the vocabulary splits has no neighbours."""

from __future__ import annotations

import functools

import numpy as np

from augment.attacks.lazy_embedding import lazy_embedding
from models.pretrained import load_pretrained


def whole_words(vocab: dict[str, int]) -> list[tuple[str, int]]:
    """(word, id) of the vocabulary's whole lower-case-able words of two letters or more, by id."""
    return [(w, i) for w, i in sorted(vocab.items(), key=lambda kv: kv[1])
            if len(w) > 1 and w.isalpha() and w.isascii()]


@functools.lru_cache(maxsize=2)
def encoder_embedding(name_or_path: str):
    from transformers import AutoModel

    tokenizer, model = load_pretrained(AutoModel, name_or_path, "the encoder of embedding_swap",
                                       "set the recipe's `embedding_model` to a local model folder (or `minilm`, "
                                       "the packaged encoder), or a hub id when online")
    matrix = model.get_input_embeddings().weight.detach().float().numpy()
    pairs = whole_words(tokenizer.get_vocab())
    words = [w for w, _ in pairs]
    return lazy_embedding(words, np.ascontiguousarray(matrix[[i for _, i in pairs]]))
