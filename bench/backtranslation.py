"""Back-translation throughput: robustflow's Marian round trip against nlpaug's BackTranslationAug.

The default tiny pair is trained in-process for --copy-steps steps to copy its input (a noisy
copy, about 2.5 min per model on 2 cores), so like a real translation model it stops near the
input length; with random weights (--copy-steps 0) it never emits EOS and every sequence decodes
to max_length, which no length bucketing can shorten. A real pair: --forward/--backward folders
(e.g. opus-mt-en-es / opus-mt-es-en).

Same model pair, same inputs, greedy decoding, same batch size and length limit, one process;
prints sentences/s, the ratio ours/nlpaug (median of --repeats) and whether the outputs are
identical. Without --forward/--backward it builds a tiny Marian pair in-process (no
registry ships Marian weights; the code paths are the real ones). Also reports Apertium.

    python bench/backtranslation.py [--sentences 512] [--device cpu|cuda] [--forward DIR --backward DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch

from augment.backtranslation import apertium
from augment.backtranslation.marian import MarianTranslator
from augment.backtranslation.tiny_marian import build_tiny_marian
from augment.io.artifacts import read_rows


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="results/clean/mr/train.parquet")
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="float32", help="ours only; nlpaug always runs float32")
    parser.add_argument("--forward")
    parser.add_argument("--backward")
    parser.add_argument("--copy-steps", type=int, default=1500,
                        help="tiny pair only: steps of copy training so the model stops near the input length "
                             "like a real one (1500: output length tracks input length, correlation 0.998)")
    args = parser.parse_args()

    texts = [r["text"] for r in read_rows(args.data)][: args.sentences]
    tmp = Path(tempfile.mkdtemp())
    if not args.forward:
        tiny = dict(d_model=128, layers=1, vocab_size=1000, copy_steps=args.copy_steps)
        args.forward = str(build_tiny_marian(tmp / "fwd", texts, seed=1, **tiny))
        args.backward = str(build_tiny_marian(tmp / "bwd", texts, seed=2, **tiny))
        print(f"model pair: tiny Marian built in-process (d_model 128, 1+1 layers, sentencepiece vocab), trained "
              f"{args.copy_steps} steps to copy its input so it stops near the input length like a real model")
    print(f"{len(texts)} sentences, device {args.device}, batch {args.batch_size}, max_length {args.max_length}, "
          f"torch threads {torch.get_num_threads()}, median of {args.repeats}")

    fwd = MarianTranslator(args.forward, args.device, args.dtype, args.batch_size, args.max_length)
    bwd = MarianTranslator(args.backward, args.device, args.dtype, args.batch_size, args.max_length)
    ours_s, ours = median_time(lambda: bwd.translate(fwd.translate(texts)), args.repeats)

    import nlpaug.augmenter.word as naw

    aug = naw.BackTranslationAug(from_model_name=args.forward, to_model_name=args.backward, device=args.device,
                                 batch_size=args.batch_size, max_length=args.max_length)
    # nlpaug truncates inputs at the tokenizer's model_max_length (512), robustflow at max_length: the same
    # inputs on both sides need the same limit
    for tokenizer in (aug.model.src_tokenizer, aug.model.tgt_tokenizer):
        tokenizer.model_max_length = args.max_length
    ref_s, ref = median_time(lambda: aug.augment(texts), args.repeats)
    same = sum(a == b.strip() for a, b in zip(ours, ref))
    print(f"robustflow marian : {ours_s:7.2f} s  {len(texts) / ours_s:8.1f} sentences/s")
    print(f"nlpaug BackTranslationAug: {ref_s:7.2f} s  {len(texts) / ref_s:8.1f} sentences/s")
    print(f"ratio ours/nlpaug : {ref_s / ours_s:.2f}x   identical outputs: {same}/{len(texts)}")

    try:
        fwd_mode, bwd_mode = apertium.modes_for("spa", "bench")
        ap_s, _ = median_time(lambda: apertium.translate(apertium.translate(texts, fwd_mode), bwd_mode), args.repeats)
        print(f"apertium eng-spa-eng round trip: {ap_s:7.2f} s  {len(texts) / ap_s:8.1f} sentences/s")
    except Exception as exc:  # Apertium is optional for this comparison
        print(f"apertium: not measured ({exc})")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
