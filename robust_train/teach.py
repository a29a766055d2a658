"""The teach job: a distillation teacher's outputs on the rows its student trains on."""

from __future__ import annotations

import logging

from robust_train.distil import teacher_outputs
from robust_train.fine_tune import training_rows
from robustflow.atomic import write_json
from robustflow.rows import read_rows
from robustflow.tasks import task_for

log = logging.getLogger(__name__)
DIGITS = 6  # probabilities far finer than any soft label needs; keeps CoNLL-size files small


def _rounded(dist):
    return [_rounded(d) for d in dist] if isinstance(dist[0], list) else [round(p, DIGITS) for p in dist]


def write_teacher_outputs(params: dict, teacher: str, seed: int, rows_path: str, clean_report_path: str,
                          out_path: str) -> dict:
    """Label the student's training rows (the same seeded sample of originals and everything derived
    from them that its training job picks) with the teacher's mean distribution; write
    {teacher, models, rows: {id: distribution}}."""
    task = task_for(params["task"])
    rows = training_rows(read_rows(rows_path), params["max_train_samples"], seed)
    outputs = teacher_outputs(task, params["models"], rows, clean_report_path, params["batch_size"], params["device"])
    result = {"teacher": teacher, "models": [m["name_or_path"] for m in params["models"]],
              "rows": {row_id: _rounded(dist) for row_id, dist in outputs.items()}}
    write_json(out_path, result)
    log.info("teacher %s: %d rows labelled by %d model(s)", teacher, len(outputs), len(params["models"]))
    return result
