"""What every task tells the stages: how its rows look, read, clean, augment, encode, score and
display. One subclass per task (classification.py, ner.py); stages call these methods instead of
asking which task they run, as Hugging Face keeps one skeleton for run_glue.py and run_ner.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from robustflow.errors import DataError, visible

IGNORE = -100  # label id the loss ignores (sub-word pieces after the first, padding)

# Perturbation suites shared by every task when the config names none (each task adds its own).
NOISE_SUITES = {
    "typos_5": {"type": "keyboard", "word_p": 0.05, "max_changes": 100},
    "typos_10": {"type": "keyboard", "word_p": 0.10, "max_changes": 100},
    "typos_20": {"type": "keyboard", "word_p": 0.20, "max_changes": 100},
    "synonyms": {"type": "synonym", "word_p": 0.2, "max_changes": 100},
}


@dataclass
class Encoded:
    features: list[dict]  # input_ids, attention_mask, (token_type_ids), labels
    truncated_words: int = 0
    cut_words: list[int] = field(default_factory=list)  # NER: per row, its last words cut off by max_length
    word_ids: list[list[int | None]] = field(default_factory=list)  # NER: piece -> word, to map predictions back


def as_text(value: object, path: object, line: int, field: str) -> str:
    """Strings pass and a missing value is empty (the cleaning stage counts it); anything else in a
    text field is an error rather than a silent str(): integer 0 would become the text "0", a
    boolean "True" (usually the wrong column, or a typed export of a text column)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise DataError(
        f"{path}, line {line}, field {field!r}: expected text, got {type(value).__name__} "
        f"'{visible(str(value)[:60])}'. Fix: store this column as strings, or point `columns` at the text column."
    )


def as_label(value: object, path: object, line: int, field: str) -> str:
    """A label as a string: text, or an integer class id (JSONL and hub datasets store 0/1). A float
    ("1.0", often an integer column with a missing value) or a boolean would become a new label
    that matches nothing, so they are errors."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    kind = "a boolean" if isinstance(value, bool) else f"a {type(value).__name__}"
    raise DataError(
        f"{path}, line {line}, field {field!r}: label {value!r} is {kind}; labels must be text or integers. "
        "Fix: write the labels as text or whole numbers in the file (a float label column usually means a "
        "missing value turned integers into floats), then map them with `label_map` if needed."
    )


def percent(x: float) -> str:
    return f"{x * 100:.1f}"


class Task:
    """The interface; see Classification and Ner for what each method means for them."""

    name: str
    metric_name: str  # what `headline` measures, for tables and plots
    label_field: str  # the row field that holds the gold labels
    measure: str  # how per-row scores add up to the headline (robustflow.stats.MEASURES)
    content_fields: tuple[str, ...]  # the fields a model reads
    can_stratify: bool  # whether splits can keep label proportions
    fallback_format: str | None  # file format when the extension says nothing (None: an error)
    alignment_rules: tuple[str, ...] = ()  # cleaning rules that run first (token/label alignment)
    tag_rules: tuple[str, ...] = ()  # cleaning rules that run after the text repairs
    # The model config's problem_type, set when the head is made (transformers sets it on the first
    # forward with labels, which a training job resumed after its last epoch never runs).
    problem_type: str | None = None
    texts_are_tokens: bool = False  # `texts` are single tokens: a repair must never put whitespace inside one
    default_suites: dict

    def __repr__(self) -> str:
        return f"<task {self.name}>"

    # ---- rows on disk ------------------------------------------------------------------------
    def arrow_fields(self) -> list:
        raise NotImplementedError

    def record_columns(self, columns: dict) -> dict:
        """role -> configured column of the fields a record must have."""
        raise NotImplementedError

    def row_from_record(self, record: dict, path: object, line: int, columns: dict, label_map: dict) -> dict:
        raise NotImplementedError

    def finish_split(self, rows: list[dict], normalise_tags: Callable[[list[dict]], dict]) -> dict:
        """What the ingest report adds about a split once its rows are read."""
        return {}

    def dataset_problems(self, name: str, dataset: dict) -> list[str]:
        return []

    # ---- what a row says ---------------------------------------------------------------------
    def gold(self, row: dict):
        return row[self.label_field]

    def label_key(self, row: dict):
        """The gold labels as a hashable value."""
        raise NotImplementedError

    def exact_key(self, row: dict):
        """Everything a row says: two rows with the same key are exact duplicates."""
        raise NotImplementedError

    def texts(self, row: dict) -> list[str]:
        raise NotImplementedError

    def map_texts(self, row: dict, fn: Callable[[str], str]) -> dict:
        raise NotImplementedError

    def show(self, row: dict) -> str:
        """The row's text on one line, for reports and examples."""
        raise NotImplementedError

    def content_key(self, row: dict) -> str:
        """What a row says, ignoring its label, normalised (near-duplicates and leakage)."""
        raise NotImplementedError

    def same_input(self, row: dict, other: dict) -> bool:
        return all(row.get(k) == other.get(k) for k in self.content_fields)

    def token_count(self, row: dict) -> int:
        raise NotImplementedError

    def labels_of(self, rows: Sequence[dict]) -> set[str]:
        """The labels (classification) or entity types (NER) the rows use."""
        raise NotImplementedError

    def label_counts(self, rows: Sequence[dict]) -> dict[str, int]:
        raise NotImplementedError

    # ---- cleaning ----------------------------------------------------------------------------
    def empty_problem(self, row: dict) -> str | None:
        raise NotImplementedError

    def without_empty_tokens(self, row: dict) -> tuple[dict, int]:
        """The row without tokens the text repairs emptied, and how many went."""
        return row, 0

    def unknown_label_problem(self, row: dict, allowed: set[str], known: str, source: str) -> str | None:
        raise NotImplementedError

    def drop_unknown_labels(self, row: dict, allowed: set[str]) -> dict:
        raise NotImplementedError(f"{self.name} has no repair for unknown labels")

    def conflict_problem(self, found: set) -> str:
        raise NotImplementedError

    # ---- augmentation ------------------------------------------------------------------------
    def words(self, row: dict) -> list[str]:
        """The row as whitespace words, one per position an augmenter may edit."""
        raise NotImplementedError

    def editable_positions(self, row: dict) -> list[int]:
        """Word positions an edit may touch without changing the gold labels."""
        raise NotImplementedError

    def with_words(self, row: dict, words: list[str]) -> dict:
        """New content for ``row`` from same-length ``words`` (labels carried over)."""
        raise NotImplementedError

    # ---- models ------------------------------------------------------------------------------
    def ordinary_texts(self, row: dict) -> list[str]:
        """The row's input text outside gold entities (NER: the O-tagged tokens): where a capitalised
        word is an ordinary word, not a name (models/defences)."""
        raise NotImplementedError

    def defended(self, row: dict, defence) -> dict:
        """The row as a defended model sees it: its input through the defence's normaliser
        (models/defences), its labels unchanged."""
        raise NotImplementedError

    def model_labels(self, labels: Sequence[str]) -> list[str]:
        """The model's output labels from the cleaned data's labels (entity types for NER)."""
        raise NotImplementedError

    def auto_model_class(self):
        raise NotImplementedError

    def encode(self, rows: Sequence[dict], tokenizer, label2id: dict[str, int], max_length: int) -> Encoded:
        raise NotImplementedError

    def word_labels(self, row: dict, word_ids: list, label2id: dict):
        """The training labels of a row tokenized from its words (``is_split_into_words``)."""
        raise NotImplementedError

    def decode(self, probs, row: dict, word_ids: list | None, id2label: dict) -> tuple:
        """(prediction, class distribution) of one row from its per-class (NER: per-piece)
        probabilities; NER: one distribution per word."""
        raise NotImplementedError

    def truncation(self, rows: Sequence[dict], enc: Encoded) -> dict:
        """What max_length cut off (NER: words, predicted O; classification counts nothing)."""
        return {}

    # ---- metrics -----------------------------------------------------------------------------
    def metrics(self, gold: Sequence, pred: Sequence) -> dict:
        raise NotImplementedError

    def headline(self, metrics: dict) -> float:
        raise NotImplementedError

    def secondary_metrics(self, metrics: dict) -> dict:
        """Figures the report shows beside the headline (a number or a name -> number mapping)."""
        raise NotImplementedError

    def row_scores(self, gold: Sequence, pred: Sequence) -> list[list[int]]:
        """Each row's additive contribution to the headline (`measure` turns their sums into it):
        what bootstrap intervals and paired tests resample."""
        raise NotImplementedError

    def calibration_units(self, row: dict, pred, dist, label2id: dict) -> list[tuple[list[float], int, bool]]:
        """(class distribution, gold class id or -1, prediction correct) per calibration unit of a
        row: the example, or each word for NER."""
        raise NotImplementedError

    # ---- attacks -----------------------------------------------------------------------------
    def row_from_attack(self, record: dict) -> dict:
        """The perturbed row of a successful attack record, with its gold labels."""
        raise NotImplementedError

    def attack_row_scores(self, records: Sequence[dict]) -> tuple[list, list]:
        """Per attacked row, its `row_scores` before and after the attack, from the attack's own
        model outputs (a skipped row: the model was already wrong)."""
        raise NotImplementedError

    def example_fields(self, record: dict) -> dict:
        """What the report keeps of a successful attack record beyond the common fields."""
        raise NotImplementedError

    def example_view(self, example: dict) -> tuple[list[str], list[str], str]:
        """(words before, words after, a one-line outcome) of a report example."""
        raise NotImplementedError
