"""Token ids in and text out for MarianMT, without the slow tokenizer's per-token overheads.

MarianTokenizer has no fast (Rust) version. Its decode re-derives the list of special tokens for
every token it looks at (about 3 ms a sentence, as long as the greedy decoding of a tiny model),
and its encode goes through per-token attribute lookups; encoding a batch a second time, to pad
it, cost as much again. Here each text is encoded once (sentencepiece, then the vocabulary),
batches are padded from those ids, and decoding drops special ids with one set lookup before
sentencepiece joins the pieces: the same ids and strings as the tokenizer's own calls (tested),
which stay the path for any other tokenizer.
"""

from __future__ import annotations

from typing import Sequence


def encode(tokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """``tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]``, fast for Marian:
    sentencepiece pieces looked up in the vocabulary, then truncated and ended with </s> as the
    tokenizer does. Texts that hold an added token's string (</s>, <unk>, ...) take the tokenizer."""
    if not _has_fast_path(tokenizer):
        return tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    added = list(tokenizer.added_tokens_encoder)
    vocab, spm = tokenizer.current_encoder, tokenizer.current_spm
    unk, eos = vocab[tokenizer.unk_token], tokenizer.eos_token_id
    out = []
    for text in texts:
        if any(token in text for token in added):
            out.append(tokenizer(text, truncation=True, max_length=max_length)["input_ids"])
            continue
        code, rest = tokenizer.remove_language_code(text)
        ids = [vocab.get(piece, unk) for piece in code + spm.encode(rest, out_type=str)]
        out.append(ids[: max_length - 1] + [eos])
    return out


def _has_fast_path(tokenizer) -> bool:
    """MarianTokenizer without user-added tokens: text <-> ids is sentencepiece plus a vocabulary."""
    from transformers import MarianTokenizer

    if not isinstance(tokenizer, MarianTokenizer) or getattr(tokenizer, "do_lower_case", False):
        return False
    return set(tokenizer.added_tokens_encoder) <= set(tokenizer.all_special_tokens)


def decode(tokenizer, sequences) -> list[str]:
    """``tokenizer.batch_decode(sequences, skip_special_tokens=True)``, fast for Marian."""
    rows = sequences.tolist() if hasattr(sequences, "tolist") else [list(s) for s in sequences]
    if not _has_fast_path(tokenizer):
        return tokenizer.batch_decode(rows, skip_special_tokens=True)
    special = set(tokenizer.all_special_ids)
    spm, pieces_of, unk = tokenizer.spm_target, tokenizer.decoder, tokenizer.unk_token
    out = []
    for ids in rows:
        pieces = [pieces_of.get(i, unk) for i in ids if i not in special]  # what _convert_id_to_token does
        text = spm.decode_pieces(pieces).replace("\u2581", " ").strip()
        out.append(tokenizer.clean_up_tokenization(text) if tokenizer.clean_up_tokenization_spaces else text)
    return out
