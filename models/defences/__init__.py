"""Input defences: a normaliser in front of the model, trained with it and saved with it.

A defended model is the pair (normaliser, classifier or tagger): training rows, dev and test rows,
online adversarial examples and every query an attack makes pass through the normaliser before the
tokenizer, so an attack searches against the whole defended model (an adaptive attacker with the
same query access as for any model), never against the bare network. The normaliser maps text to
text and NER words one for one, so labels and word alignment are untouched.

Built once per training job from the config's `defences.<name>` block and the training split, then
saved inside the model folder (`defence/`), so the folder alone reproduces the defended model
anywhere: `load_trained` finds it, and attacks and evaluation use it without knowing the config.

A defence may also be randomised (`smoothing`, models/defences/smoothing.py): the model then
classifies several perturbed copies of the normalised text and votes. Names compose: the method
`none+spelling+smooth` trains behind the blocks of `defences.spelling` and `defences.smooth` together,
normalised first, then smoothed (`combined_settings`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from models.defences.smoothing import Smoothing
from models.defences.spelling import WHOLE_WORD, SpellingCorrector
from robustflow.defence_settings import combined_settings, declared_sources  # noqa: F401 (re-exported)
from robustflow.errors import ConfigError, ResourceError

FOLDER = "defence"
VERSION = 1
@dataclass
class Defence:
    name: str
    settings: dict  # the config's block, as given
    spelling: SpellingCorrector | None = None
    smoothing: Smoothing | None = None

    def text(self, text: str) -> str:
        """The normalised text (what every copy of a smoothed prediction starts from)."""
        return self.spelling.text(text) if self.spelling else text

    @property
    def randomised(self) -> bool:
        return self.smoothing is not None

    def copies(self, text: str) -> list[str]:
        """The texts the model classifies ``text`` by: the normalised text, or its smoothed copies."""
        normalised = self.text(text)
        return self.smoothing.copies(normalised) if self.smoothing else [normalised]

    def combine(self, probs):
        """One distribution from the copies' probabilities (the only one, without smoothing)."""
        return self.smoothing.combine(probs) if self.smoothing else probs[0]

    @property
    def n_copies(self) -> int:
        return self.smoothing.n_copies if self.smoothing else 1

    def copy_rows(self, task, normalised: Sequence[dict]) -> list[dict]:
        """Every normalised row's copies (``n_copies`` each, one row after another), ids and labels
        unchanged."""
        if not self.smoothing:
            return list(normalised)
        out = []
        for row in normalised:
            texts = [self.smoothing.copies(t) for t in task.texts(row)]
            for k in range(self.n_copies):
                it = iter(t[k] for t in texts)
                out.append(task.map_texts(row, lambda _t, it=it: next(it)))
        return out

    def training_rows(self, task, rows: Sequence[dict], epoch: int) -> list[dict]:
        """The rows as ``epoch`` trains on them: normalised, and with smoothing fresh random
        substitutions each epoch (the model learns to read through the defence's noise); a tagger's
        gold entity words are never substituted."""
        normalised = self.rows(task, rows)
        if not self.smoothing:
            return normalised
        if task.name == "ner":
            return [{**row, "tokens": self.smoothing.training_words(row["tokens"], [t != "O" for t in row["tags"]],
                                                                     epoch, row["id"])} for row in normalised]
        return [task.map_texts(row, lambda t, row=row: self.smoothing.training_text(t, epoch, row["id"]))
                for row in normalised]

    def sentence_copies(self, words: Sequence[str], keep: Sequence[bool]) -> list[list[str]]:
        """A tagger's copies of a normalised sentence, word for word; ``keep`` marks the words never
        substituted (the entities the tagger predicts on the sentence itself)."""
        return self.smoothing.copies_words(words, keep)

    def vote_tags(self, sentences: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], tag_copies,
                  id2label: dict) -> tuple[list, list]:
        """A smoothed tagger's (tags, per-word distributions) per normalised sentence, from the tags
        ``predicted`` on each sentence itself and ``tag_copies`` (all copies' word lists, ``n_copies``
        per sentence in order -> each copy's per-word probabilities): entity words kept, the rest
        substituted, every word's distribution combined over its copies."""
        import numpy as np

        copies = [c for words, tags in zip(sentences, predicted)
                  for c in self.sentence_copies(words, [t != "O" for t in tags])]
        copy_probs, k = tag_copies(copies), self.n_copies
        preds, probs = [], []
        for i in range(len(sentences)):
            per_copy = np.asarray(copy_probs[i * k:(i + 1) * k], dtype=np.float64)  # copies x words x classes
            dists = [self.smoothing.combine(per_copy[:, w]) for w in range(per_copy.shape[1])]
            preds.append([id2label[int(d.argmax())] for d in dists])
            probs.append([d.tolist() for d in dists])
        return preds, probs

    def with_copies(self, copies: int) -> "Defence":
        """The same defence voting over ``copies`` copies drawn with other seeds: an adaptive attacker's
        estimate of the defence's expectation (it knows the defence, not the deployed copies)."""
        import dataclasses

        s = self.smoothing
        smoothing = Smoothing(s.source, s.rate, copies, "mean", s.seed + 1_000_003, s.mask_token, s._substitutes)
        return dataclasses.replace(self, smoothing=smoothing)

    def bind_tokenizer(self, tokenizer) -> None:
        """Smoothing by masking uses the model's own mask token."""
        if self.smoothing and self.smoothing.source == "mask" and not self.smoothing.mask_token:
            if not getattr(tokenizer, "mask_token", None):
                raise ConfigError(f"defence {self.name!r}: smoothing with source `mask` needs a tokenizer with a mask "
                                  "token, and this model's has none. Fix: set `source: wordnet` or `glove`")
            self.smoothing.mask_token = tokenizer.mask_token

    def words(self, words: Sequence[str]) -> list[str]:
        return self.spelling.words(words) if self.spelling else list(words)

    def rows(self, task, rows: Sequence[dict]) -> list[dict]:
        """The rows as the model sees them (ids, labels and tags unchanged)."""
        return [task.defended(row, self) for row in rows]

    @property
    def changed_words(self) -> int:
        """Word occurrences the normaliser has changed so far (a running count)."""
        return self.spelling.corrected if self.spelling else 0

    def intrusion(self, task, rows: Sequence[dict]) -> dict:
        """How much of clean text the defence rewrites: {name, rows, rows_changed, words_changed}."""
        before = self.changed_words
        rows_changed = sum(a != b for a, b in zip(rows, self.rows(task, rows)))
        return {"name": self.name, "rows": len(rows), "rows_changed": rows_changed,
                "words_changed": self.changed_words - before}

    @classmethod
    def build(cls, name: str, settings: dict, task, train_rows: Sequence[dict]) -> "Defence":
        """From `defences.<name>` (defaults filled by the schema) and the training rows: their original
        rows only, since derived rows (augmented, adversarial, online) hold deliberate typos that a
        dictionary must not learn as words."""
        spelling = None
        if settings.get("spelling"):
            from models.defences.dictionary import dictionary

            block = settings["spelling"]
            originals = [row for row in train_rows if row.get("parent_id") is None]
            texts = [t for row in originals for t in task.texts(row)]
            words = [w for t in texts for w in WHOLE_WORD.findall(t)] if block["training_words"] else []
            keep = block["keep_capitalized"]
            if keep == "auto":  # lower-cased corpora (MR) have no names to protect, cased ones do
                keep = any(any(c.isupper() for c in t) for t in texts)
            frequencies, training_words = dictionary(block["dictionary"], words)
            cased = Counter(w for row in originals for t in task.ordinary_texts(row) for w in WHOLE_WORD.findall(t)
                            if any(c.isupper() for c in w)) if keep and block["training_words"] else {}
            spelling = SpellingCorrector(frequencies, bool(keep), training_words, cased)
        smoothing = Smoothing.from_settings(settings["smoothing"]) if settings.get("smoothing") else None
        return cls(name, settings, spelling, smoothing)

    def save(self, model_dir: str | Path) -> None:
        """Into ``model_dir``/defence/ (inside the training job's atomic model folder)."""
        folder = Path(model_dir) / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"version": VERSION, "name": self.name, "settings": self.settings}
        if self.smoothing:
            meta["smoothing"] = self.smoothing.settings()  # with the mask token it was trained with
        if self.spelling:
            meta["keep_capitalized"] = self.spelling.keep_capitalized
            words = sorted(self.spelling.frequencies.items(), key=lambda kv: (-kv[1], kv[0]))
            protected = self.spelling.protected  # third column: 1 for a training word (never replaced)
            (folder / "dictionary.tsv").write_text("".join(f"{w}\t{n}\t{int(w in protected)}\n" for w, n in words),
                                                   encoding="utf-8")
            cased = sorted(self.spelling.cased.items(), key=lambda kv: (-kv[1], kv[0]))  # capitalised ordinary words
            (folder / "cased.tsv").write_text("".join(f"{w}\t{n}\n" for w, n in cased), encoding="utf-8")
        (folder / "defence.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, model_dir: str | Path) -> "Defence | None":
        """The defence saved with a model, or None for an undefended one."""
        folder = Path(model_dir) / FOLDER
        if not (folder / "defence.json").is_file():
            return None
        meta = json.loads((folder / "defence.json").read_text(encoding="utf-8"))
        spelling = None
        if meta["settings"].get("spelling"):
            frequencies, protected = {}, set()
            path = folder / "dictionary.tsv"
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                fields = line.split("\t")
                if len(fields) != 3 or not fields[1].isdigit() or fields[2] not in ("0", "1"):
                    raise ResourceError(f"{path}, line {n}: {line[:60]!r} is not `word<TAB>count<TAB>0|1`. Fix: "
                                        "retrain the model (the train job writes this file), or restore the file")
                frequencies[fields[0]] = int(fields[1])
                if fields[2] == "1":
                    protected.add(fields[0])
            cased, path = {}, folder / "cased.tsv"
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                form, tab, count = line.partition("\t")
                if not (form and tab and count.isdigit()):
                    raise ResourceError(f"{path}, line {n}: {line[:60]!r} is not `word<TAB>count`. Fix: retrain the "
                                        "model (the train job writes this file), or restore the file")
                cased[form] = int(count)
            spelling = SpellingCorrector(frequencies, meta["keep_capitalized"], frozenset(protected), cased)
        smoothing = Smoothing.from_settings(meta["smoothing"]) if meta.get("smoothing") else None
        return cls(meta["name"], meta["settings"], spelling, smoothing)
