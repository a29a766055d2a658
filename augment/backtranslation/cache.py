"""A persistent translation cache: each (backend, model, direction, params, text) is translated once.

SQLite in WAL mode, committed per batch: a killed job keeps what it already translated, a rerun
after adding rows translates only the new text, and parallel jobs can share one file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Callable, Sequence

Translate = Callable[[list[str]], list[str]]


class TranslationCache:
    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS translations (key TEXT PRIMARY KEY, output TEXT NOT NULL)")
        self.hits = self.misses = 0

    @staticmethod
    def key(namespace: dict, text: str) -> str:
        blob = json.dumps([namespace, text], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def translate(self, texts: Sequence[str], namespace: dict, translate: Translate, batch_size: int = 256) -> list[str]:
        """Outputs for ``texts``, calling ``translate`` only on distinct texts not cached yet."""
        keys = [self.key(namespace, t) for t in texts]
        found = {}
        for start in range(0, len(keys), 900):  # SQLite's limit on bound parameters
            chunk = keys[start:start + 900]
            rows = self._db.execute(f"SELECT key, output FROM translations WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            found.update(rows.fetchall())
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
        self.hits += len(texts) - sum(k not in found for k in keys)
        self.misses += len(todo)
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            outputs = translate(batch)
            assert len(outputs) == len(batch), "a backend returned a different number of outputs"
            pairs = [(self.key(namespace, t), o) for t, o in zip(batch, outputs)]
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?)", pairs)
            found.update(pairs)
        return [found[k] for k in keys]

    def close(self) -> None:
        self._db.close()
