"""How many of an attack's swaps a substitution-set source holds: for each successful attack record,
each (word, replacement) pair is looked up in the word's set as `ascc` builds it (single vocabulary
words of the model's tokenizer, the label-preserving filter, at most `--substitutes`).

    python bench/substitution_coverage.py --model results/train/mr/clean/none/seed13/model \
        results/attack/mr/test/clean/none/seed13/glove.jsonl [more .jsonl] [--sources wordnet wordnet_forms]

A low share says the training never saw the swaps the attack uses; a high share on a model trained
with the sets says the invariance it learnt stops short of them.
"""

from __future__ import annotations

import argparse
import json

from robust_train.ascc import SubstituteTable, label_preserving, substitutes_of, whole_word_pieces
from robustflow.candidate_sources import TRAINING_SOURCES


def swaps(path: str) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [tuple(pair) for r in records if r["status"] == "success" for pair in r["changed_words"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="+", help="attack records (.jsonl)")
    parser.add_argument("--model", required=True, help="a trained model folder (its tokenizer's vocabulary)")
    parser.add_argument("--sources", nargs="+", default=list(TRAINING_SOURCES), choices=list(TRAINING_SOURCES))
    parser.add_argument("--substitutes", type=int, default=8)
    args = parser.parse_args()
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    words, _ = whole_word_pieces(tokenizer)
    records = {path: swaps(path) for path in args.records}
    used = {words[old] for pairs in records.values() for old, _ in pairs if old in words}
    tables = {source: SubstituteTable.build(tokenizer, substitutes_of(source), args.substitutes, used,
                                            keep=label_preserving) for source in args.sources}

    def held(table: SubstituteTable, old: str, new: str) -> bool:  # the set exactly as ascc trains with it
        if old not in words or new not in words or old == new:
            return False
        return bool((table.ids[words[old]][table.valid[words[old]]] == words[new]).any())

    for path, pairs in records.items():
        counts = ", ".join(f"{s} {sum(held(t, old, new) for old, new in pairs)}" for s, t in tables.items())
        print(f"{path}: {len(pairs)} swaps in successful attacks; in the sets: {counts}")


if __name__ == "__main__":
    main()
