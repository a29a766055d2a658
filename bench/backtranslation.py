"""Back-translation throughput: robustflow's Marian round trip against nlpaug's BackTranslationAug.

The default tiny pair is trained in-process for --copy-steps steps to copy its input (a noisy
copy, about 2.5 min per model on 2 cores), so like a real translation model it stops near the
input length; with random weights (--copy-steps 0) it never emits EOS and every sequence decodes
to max_length, which no length bucketing can shorten. A real pair: --forward/--backward folders
(e.g. opus-mt-en-es / opus-mt-es-en).

Same model pair, same inputs, greedy decoding, same length limit (inputs truncated and outputs
capped at --max-length on both sides), one process. robustflow runs with the workflow's batching
defaults (at most 256 sentences and 8192 padded input tokens per batch); nlpaug at each of
--nlpaug-batch-sizes (32 is its default), and the ratio is taken against nlpaug's fastest. Prints
sentences/s, the ratios (medians of --repeats) and whether the outputs are identical. Without
--forward/--backward it builds a tiny Marian pair in-process (no registry ships Marian weights; the
code paths are the real ones). Also reports Apertium.

    python bench/backtranslation.py [--sentences 512] [--device cpu|cuda] [--forward DIR --backward DIR]
"""

from __future__ import annotations

import argparse
import functools
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch

from augment.backtranslation import apertium
from augment.backtranslation.marian import MarianTranslator
from augment.backtranslation.tiny_marian import build_tiny_marian
from robustflow.rows import read_rows


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def nlpaug_run(aug, batch_size: int, texts: list[str]) -> list[str]:
    aug.model.batch_size = batch_size  # nlpaug shares one model object (and its batch size) per model pair
    return aug.augment(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="results/clean/mr/train.parquet")
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256, help="ours: most sentences per batch")
    parser.add_argument("--max-tokens", type=int, default=8192, help="ours: most padded input tokens per batch")
    parser.add_argument("--nlpaug-batch-sizes", default="32,64,128,256")
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
    print(f"{len(texts)} sentences, device {args.device}, max_length {args.max_length}, "
          f"torch threads {torch.get_num_threads()}, median of {args.repeats}")

    opts = (args.device, args.dtype, args.batch_size, args.max_length, args.max_tokens)
    fwd, bwd = MarianTranslator(args.forward, *opts), MarianTranslator(args.backward, *opts)
    runs = {"ours": lambda: bwd.translate(fwd.translate(texts))}

    import nlpaug.augmenter.word as naw

    for batch_size in map(int, args.nlpaug_batch_sizes.split(",")):
        aug = naw.BackTranslationAug(from_model_name=args.forward, to_model_name=args.backward, device=args.device,
                                     batch_size=batch_size, max_length=args.max_length)
        # nlpaug truncates inputs at the tokenizer's model_max_length (512), robustflow at max_length: the
        # same inputs on both sides need the same limit; and greedy on both (opus-mt configs say 4 beams)
        for tokenizer in (aug.model.src_tokenizer, aug.model.tgt_tokenizer):
            tokenizer.model_max_length = args.max_length
        for model in (aug.model.src_model, aug.model.tgt_model):
            model.generation_config.num_beams = 1
        runs[batch_size] = functools.partial(nlpaug_run, aug, batch_size)

    # Rounds interleave the runs, so that drift on a shared machine hits every run alike.
    times, outputs = {name: [] for name in runs}, {}
    for _ in range(args.repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            outputs[name] = run(texts) if name != "ours" else run()
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(t) for name, t in times.items()}
    ours_s, ours = median["ours"], outputs["ours"]
    print(f"robustflow marian (<= {args.batch_size} sentences, <= {args.max_tokens} tokens a batch): "
          f"{ours_s:7.2f} s  {len(texts) / ours_s:8.1f} sentences/s")
    for batch_size in (name for name in runs if name != "ours"):
        same = sum(a == b.strip() for a, b in zip(ours, outputs[batch_size]))
        print(f"nlpaug BackTranslationAug, batch {batch_size:3d}: {median[batch_size]:7.2f} s  "
              f"{len(texts) / median[batch_size]:8.1f} sentences/s  ours {median[batch_size] / ours_s:.2f}x faster, "
              f"identical outputs {same}/{len(texts)}")
    best = min((name for name in runs if name != "ours"), key=median.get)
    print(f"ratio ours/nlpaug at its default batch size (32): {median.get(32, float('nan')) / ours_s:.2f}x; "
          f"at its fastest ({best}): {median[best] / ours_s:.2f}x")

    try:
        fwd_mode, bwd_mode = apertium.modes_for("spa", "bench")
        ap_s, _ = median_time(lambda: apertium.translate(apertium.translate(texts, fwd_mode), bwd_mode), args.repeats)
        print(f"apertium eng-spa-eng round trip: {ap_s:7.2f} s  {len(texts) / ap_s:8.1f} sentences/s")
    except Exception as exc:  # Apertium is optional for this comparison
        print(f"apertium: not measured ({exc})")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
