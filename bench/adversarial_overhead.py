"""Step time of plain, FGM, PGD-K and FreeLB-K training against a straightforward reference loop.

One process, one model (the packaged MiniLM unless --model), the same batches for every method;
each round times every method once (interleaved, so drift hits all alike); prints the median step
time, samples/s and the ratios the design promises: FGM/plain <= 2.1, PGD-K/plain <= (K+1)*1.05,
our plain step vs the reference loop (no slower). On a GPU add --precision bf16.

    python bench/adversarial_overhead.py [--rounds 5] [--steps 5] [--batch-size 16] [--length 64]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from models.pretrained import resolve_model
from robust_train.adversarial import AdversarialConfig, adversarial_step
from robustflow.config import default_config


def method(name: str, **settings) -> AdversarialConfig:
    """`name`'s settings: the schema's defaults with `settings` over them."""
    block = None if name == "none" else {**default_config()["train"][name], **settings}
    return AdversarialConfig.from_settings(name, block)


def make_batches(tokenizer, n: int, batch_size: int, length: int, device: str):
    try:
        from robustflow.rows import read_rows

        texts = [r["text"] for r in read_rows("results/clean/mr/train.parquet")]
    except Exception:  # no MR run yet: any English will do for timing
        texts = ["the film is a wonderful and moving story about a family that never gives up"] * 64
    batches = []
    for b in range(n):
        chunk = [texts[(b * batch_size + i) % len(texts)] for i in range(batch_size)]
        enc = tokenizer(chunk, padding="max_length", truncation=True, max_length=length, return_tensors="pt")
        enc["labels"] = torch.tensor([i % 2 for i in range(batch_size)])
        batches.append({k: v.to(device) for k, v in enc.items()})
    return batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per method per round")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--length", type=int, default=64)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    path = resolve_model(args.model)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2).to(args.device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    batches = make_batches(tokenizer, args.steps, args.batch_size, args.length, args.device)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(args.precision)
    scaler = torch.amp.GradScaler("cuda", enabled=args.precision == "fp16")

    def autocast():
        return torch.autocast(device_type=args.device, dtype=dtype) if dtype else torch.autocast("cpu", enabled=False)

    def reference(batch):  # what one writes without robustflow
        with autocast():
            loss = model(**batch).loss
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)

    def ours(cfg):
        def step(batch):
            def loss_fn():
                with autocast():
                    return model(**batch).loss.float()

            shape = torch.Size([*batch["input_ids"].shape, model.get_input_embeddings().embedding_dim])
            adversarial_step(model, loss_fn, shape, batch["attention_mask"], cfg, backward=lambda l: scaler.scale(l).backward())
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
        return step

    methods = {"reference loop": reference, "plain (none)": ours(method("none")),
               "fgm": ours(method("fgm", epsilon=1.0)),
               "pgd-2": ours(method("pgd", epsilon=1.0, alpha=0.3, steps=2)),
               "pgd-3": ours(method("pgd", epsilon=1.0, alpha=0.3, steps=3)),
               "freelb-3": ours(method("freelb", epsilon=1.0, alpha=0.3, steps=3))}
    for step in methods.values():  # warm-up
        step(batches[0])
    times = {name: [] for name in methods}
    for _ in range(args.rounds):
        for name, step in methods.items():
            if args.device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            for batch in batches:
                step(batch)
            if args.device == "cuda":
                torch.cuda.synchronize()
            times[name].append((time.perf_counter() - start) / len(batches))
    med = {name: statistics.median(t) for name, t in times.items()}
    plain = med["plain (none)"]
    print(f"model {args.model}, device {args.device}, {args.precision}, batch {args.batch_size} x {args.length} tokens, "
          f"threads {args.threads}, median of {args.rounds} rounds x {args.steps} steps")
    print(f"{'method':16s} {'s/step':>8s} {'samples/s':>10s} {'vs plain':>9s}  goal")
    goals = {"reference loop": "", "plain (none)": "<= reference (no slower)", "fgm": "<= 2.10",
             "pgd-2": "<= 3.15", "pgd-3": "<= 4.20", "freelb-3": "~ 3"}
    for name, t in med.items():
        print(f"{name:16s} {t:8.3f} {args.batch_size / t:10.1f} {t / plain:8.2f}x  {goals[name]}")
    print(f"plain / reference loop: {plain / med['reference loop']:.3f}x")


if __name__ == "__main__":
    main()
