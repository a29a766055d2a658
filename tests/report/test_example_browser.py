"""The report's example browser in a real headless browser (Chromium): filters from the page's
address and from the controls show exactly the rows they name; text is never run as markup."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from report.example_browser import SCRIPT, browse_rows, browser_html
from report.html import CSS
from robustflow.tasks import task_for

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (bash setup.sh --dev installs it)")


def classification_record(i: int, recipe: str, status: str, text: str) -> dict:
    words = text.split()
    perturbed = " ".join(words[:-1] + [words[-1][::-1]]) if status == "success" else text
    return {"id": f"test-{i:06d}", "recipe": recipe, "status": status, "text": text,
            "label": MARKUP_LABEL if "<b>" in text else "pos",
            "perturbed_text": perturbed, "original_prediction": "neg" if status == "skipped" else "pos",
            "perturbed_prediction": "neg" if status != "failed" else "pos",
            "changed_words": [[words[-1], words[-1][::-1]]] if status == "success" else [],
            "perturbed_ratio": 0.2 if status == "success" else 0.0, "queries": 10 + i,
            "confidence": [0.9, 0.2 if status == "success" else 0.8]}


# user data is never markup: a word that is a tag, a label that would run code if parsed as HTML
MARKUP_LABEL = "<img src=x onerror=\"document.title='x'\">"
TEXTS = ["a gripping film with heart", "the plot drags on and on", "<b>bold</b> fine acting",
         "a quiet film about grief", "loud and empty spectacle"]
STATUSES = ["success", "failed", "skipped", "success", "failed"]


def write_runs(tmp_path) -> list[dict]:
    runs = []
    for trainset, method in (("clean", "none"), ("clean", "none+spelling")):
        attacks = {}
        for recipe in ("glove", "deepwordbug"):
            path = tmp_path / f"{method}-{recipe}.jsonl"
            path.write_text("".join(json.dumps(classification_record(i, recipe, s, t)) + "\n"
                                    for i, (t, s) in enumerate(zip(TEXTS, STATUSES))))
            attacks[recipe] = str(path)
        runs.append({"trainset": trainset, "method": method, "seed": 7, "attacks": attacks})
    return runs


class Rows(HTMLParser):
    """The drawn rows of the browser's table: (id, [cell texts]), and <mark> texts per row."""

    def __init__(self):
        super().__init__()
        self.rows, self.marks, self.title, self._cell, self._in_title, self._in_mark = [], [], "", None, False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-id" in attrs:
            self.rows.append((attrs["data-id"], []))
            self.marks.append([])
        elif tag == "td" and self.rows:
            self._cell = []
        elif tag == "mark" and self.rows:
            self._in_mark = True
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1][1].append("".join(self._cell))
            self._cell = None
        elif tag == "mark":
            self._in_mark = False
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in_mark:
            self.marks[-1].append(data)
        if self._in_title:
            self.title += data


def open_page(tmp_path, body: str, address: str = "", extra_script: str = "") -> Rows:
    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>browser</title><style>{CSS}</style>"
                    f"</head><body>{body}{SCRIPT}{extra_script}</body></html>", encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          f"file://{page}{address}"], capture_output=True, text=True, timeout=120, check=True).stdout
    parsed = Rows()
    parsed.feed(dom)
    parsed.dom = dom
    return parsed


def expected(rows, variant="", recipe="", outcome="", q=""):
    return [(r["id"], r["v"], r["r"], r["o"]) for r in rows
            if (not variant or r["v"] == variant) and (not recipe or r["r"] == recipe) and (not outcome or r["o"] == outcome)
            and (not q or q in " ".join(r["b"]).lower() or q in " ".join(r["a"]).lower())]


def shown(page: Rows):
    return [(row_id, cells[0], cells[2], cells[3]) for row_id, cells in page.rows]


def test_the_address_filters_the_rows_in_a_real_browser(tmp_path):
    rows = browse_rows(task_for("classification"), write_runs(tmp_path))
    assert len(rows) == 20
    body = browser_html("mr", rows)
    everything = open_page(tmp_path, body)
    assert shown(everything) == expected(rows)
    assert everything.title == "browser", "a label ran as code"
    assert "&lt;b&gt;bold&lt;/b&gt;" in everything.dom and "<b>bold</b>" not in everything.dom
    assert "20 shown of 20 matching (20 in all)" in everything.dom
    cases = [{"variant": "clean/none+spelling", "recipe": "glove", "outcome": "success"},
             {"outcome": "failed"}, {"recipe": "deepwordbug", "q": "film"}, {"q": "mlif"}, {"variant": "clean/none", "q": "nothing like this"}]
    for case in cases:
        address = "#browse=mr&" + "&".join(f"{k}={v}" for k, v in case.items()).replace("+", "%2B").replace(" ", "%20")
        page = open_page(tmp_path, body, address)
        assert shown(page) == expected(rows, **case), case
        assert f"{len(expected(rows, **case))} matching" in page.dom
    # the attack's changed word is marked before and after (a successful row: "film" -> "mlif")
    success = open_page(tmp_path, body, "#browse=mr&variant=clean/none&recipe=glove&outcome=success")
    assert success.marks[0] == ["heart", "traeh"] and "p(gold label) 90.0 → 20.0" in success.rows[0][1]
    # another dataset's address leaves this one unfiltered
    assert len(open_page(tmp_path, body, "#browse=conll&outcome=failed").rows) == 20


def test_the_controls_filter_and_write_the_address(tmp_path):
    rows = browse_rows(task_for("classification"), write_runs(tmp_path))
    act = """<script>
    var box = document.querySelector('.browser');
    box.querySelector('[name=recipe]').value = 'deepwordbug';
    box.querySelector('[name=recipe]').dispatchEvent(new Event('input'));
    var q = box.querySelector('[name=q]'); q.value = 'FILM'; q.dispatchEvent(new Event('input'));
    document.body.setAttribute('data-address', location.hash);
    </script>"""
    page = open_page(tmp_path, browser_html("mr", rows), extra_script=act)
    assert shown(page) == expected(rows, recipe="deepwordbug", q="film") and len(page.rows) == 4
    assert 'data-address="#browse=mr&amp;recipe=deepwordbug&amp;q=FILM"' in page.dom


def test_more_rows_than_a_page_are_drawn_a_page_at_a_time(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(classification_record(i, "glove", "failed", f"row number {i} here")) + "\n"
                            for i in range(230)))
    rows = browse_rows(task_for("classification"), [{"trainset": "clean", "method": "none", "seed": 1,
                                                     "attacks": {"glove": str(path)}}])
    more = "<script>document.querySelector('.more').click(); document.querySelector('.more').click();</script>"
    assert len(open_page(tmp_path, browser_html("mr", rows)).rows) == 100
    page = open_page(tmp_path, browser_html("mr", rows), extra_script=more)
    assert len(page.rows) == 230 and "230 shown of 230 matching" in page.dom


def test_ner_rows_show_the_tags_before_and_after(tmp_path):
    record = {"id": "test-000001", "recipe": "deepwordbug", "status": "success", "queries": 9,
              "tokens": ["Maria", "works", "in", "Paris"], "perturbed_tokens": ["Maria", "worjks", "in", "Paris"],
              "tags": ["B-PER", "O", "O", "B-LOC"], "perturbed_tags": ["B-PER", "O", "O", "B-LOC"],
              "original_prediction": ["B-PER", "O", "O", "B-LOC"], "perturbed_prediction": ["B-PER", "O", "O", "B-ORG"],
              "original_f1": 1.0, "perturbed_f1": 0.5, "changed_words": [["works", "worjks"]], "perturbed_ratio": 0.25}
    path = tmp_path / "ner.jsonl"
    path.write_text(json.dumps(record) + "\n")
    rows = browse_rows(task_for("ner"), [{"trainset": "clean", "method": "none", "seed": 7,
                                          "attacks": {"deepwordbug": str(path)}}])
    page = open_page(tmp_path, browser_html("conll", rows))
    (row_id, cells), = page.rows
    assert row_id == "test-000001" and page.marks[0] == ["works", "worjks"]
    assert "MariaB-PER works in ParisB-LOC" in cells[4] and "MariaB-PER worjks in ParisB-ORG" in cells[4]
    assert "gold: B-PER B-LOC" in cells[5] and "sentence F1 100.0 → 50.0" in cells[6]
