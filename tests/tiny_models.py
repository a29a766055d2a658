"""Tiny BERT models with a WordPiece tokenizer trained in-process (no downloads)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence


def build_tiny_bert(folder: Path, corpus: Sequence[str], head: str = "mlm", vocab_size: int = 120, seed: int = 0,
                    whole_words: bool = False, **head_kwargs) -> Path:
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification
    from transformers import BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    if whole_words:  # every word of the corpus and every character: the same vocabulary in every process
        words = sorted({w for line in corpus for w in line.lower().split()})
        chars = sorted({c for w in words for c in w})
        vocab = {t: i for i, t in enumerate(dict.fromkeys(specials + chars + [f"##{c}" for c in chars] + words))}
        tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    else:  # the WordPiece trainer breaks frequency ties in a per-process random order
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    if not whole_words:
        tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    fast = BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]")
    folder.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(folder)
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, **head_kwargs)
    torch.manual_seed(seed)
    model = {"mlm": BertForMaskedLM, "cls": BertForSequenceClassification, "ner": BertForTokenClassification}[head](config)
    model.save_pretrained(folder)
    return folder


DECODERS = {"llama": ("LlamaConfig", "LlamaForCausalLM"), "qwen2": ("Qwen2Config", "Qwen2ForCausalLM"),
            "mistral": ("MistralConfig", "MistralForCausalLM")}


def build_tiny_decoder(folder: Path, corpus: Sequence[str], arch: str = "llama", vocab_size: int = 200,
                       seed: int = 0) -> Path:
    """A tiny decoder LM (Llama/Qwen2/Mistral config classes, random weights) with a
    sentencepiece-style BPE tokenizer that, like those models' own, has no pad token."""
    import torch
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.train_from_iterator([line.lower() for line in corpus] + list(corpus),
                            trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<unk>", "<s>", "</s>"]))
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B:1",
                                                       special_tokens=[("<s>", tok.token_to_id("<s>"))])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                   padding_side="left",  # as many decoder tokenizers ship: robustflow pads right
                                   model_input_names=["input_ids", "attention_mask"])
    folder.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(folder)
    config_class, model_class = (getattr(transformers, name) for name in DECODERS[arch])
    config = config_class(vocab_size=tok.get_vocab_size(), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                          bos_token_id=tok.token_to_id("<s>"), eos_token_id=tok.token_to_id("</s>"), pad_token_id=None,
                          tie_word_embeddings=False)
    torch.manual_seed(seed)
    model_class(config).save_pretrained(folder)
    return folder
