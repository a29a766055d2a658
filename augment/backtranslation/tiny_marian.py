"""A tiny random MarianMT model with a real sentencepiece tokenizer, built in-process.

No registry ships Marian weights, so tests and CPU benchmarks use this: the same classes and code
paths as a real opus-mt model (MarianTokenizer, MarianMTModel, generate), with random weights.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence


def build_tiny_marian(folder: str | Path, corpus: Sequence[str], seed: int = 0, d_model: int = 32, layers: int = 1,
                      vocab_size: int = 200, copy_steps: int = 0) -> Path:
    """``copy_steps`` > 0 trains the model briefly to copy its input, so that, like a real translation
    model, it stops (emits EOS) near the input length instead of always decoding to max_length."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(corpus), model_prefix=str(folder / "spm"),
                                   vocab_size=vocab_size, hard_vocab_limit=False, character_coverage=1.0,
                                   model_type="unigram", minloglevel=2)
    processor = spm.SentencePieceProcessor(model_file=str(folder / "spm.model"))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in pieces:
        vocab.setdefault(piece, len(vocab))
    vocab["<pad>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = MarianTokenizer(source_spm=str(folder / "spm.model"), target_spm=str(folder / "spm.model"),
                                vocab=str(folder / "vocab.json"), source_lang="en", target_lang="xx")
    tokenizer.save_pretrained(folder)
    config = MarianConfig(vocab_size=len(vocab), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=2 * d_model,
                          decoder_ffn_dim=2 * d_model, max_position_embeddings=256, pad_token_id=vocab["<pad>"],
                          eos_token_id=0, decoder_start_token_id=vocab["<pad>"], forced_eos_token_id=0)
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    if copy_steps:
        _train_copy(model, tokenizer, corpus, copy_steps, seed)
    model.generation_config.num_beams = 1
    model.generation_config.bad_words_ids = [[vocab["<pad>"]]]
    model.save_pretrained(folder)
    return folder


def _train_copy(model, tokenizer, corpus: Sequence[str], steps: int, seed: int, batch_size: int = 32,
                lr: float = 1e-3, warmup: int = 100) -> None:
    """Teacher-forced copying with linear warm-up (a transformer without warm-up diverges here)."""
    import random

    import torch

    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    model.train()
    for _ in range(steps):
        batch = tokenizer(rng.sample(list(corpus), min(batch_size, len(corpus))), padding=True, truncation=True,
                          max_length=64, return_tensors="pt")
        labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
        loss = model(**batch, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
    model.eval()
