"""Every attacked test example of every model, browsable in the report (filters and text search).

The records are embedded in the page as JSON and drawn by a small inline script (no network, no
library), filtered by variant, recipe and outcome and searched by text; the filters live in the
page's address (``report.html#browse=mr&variant=clean/none&recipe=glove&outcome=success&q=film``),
so a reviewer can send a link to exactly the rows they mean.
"""

from __future__ import annotations

import json

from report.tables import esc
from robustflow.tasks import Task

PAGE = 100  # rows drawn at once; "show more" draws the next page


def changed_positions(old: list[str], new: list[str], changed_words: list) -> tuple[list[int], list[int]]:
    """(positions changed in ``old``, in ``new``): word by word when the lengths agree, else the
    words the attack named (a replacement of another length shifts every later position)."""
    if len(old) == len(new):
        same = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
        return same, same
    olds = {w for pair in changed_words for w in pair[0].split()}
    news = {w for pair in changed_words for w in pair[1].split()}
    return [i for i, w in enumerate(old) if w in olds], [i for i, w in enumerate(new) if w in news]


def browse_row(task: Task, variant: str, seed, record: dict) -> dict:
    """One record as the browser draws it (short keys: the page carries thousands)."""
    before, after, _ = task.example_view({**record, **task.example_fields(record)})
    changed_before, changed_after = changed_positions(before, after, record["changed_words"])
    row = {"v": variant, "s": seed, "r": record["recipe"], "o": record["status"], "id": record["id"],
           "b": before, "a": after, "cb": changed_before, "ca": changed_after, "q": record["queries"]}
    if "tags" in record:  # NER: the tags predicted before and after, the sentence F1 before and after
        row.update(g=record["tags"], pb=record["original_prediction"], pa=record["perturbed_prediction"],
                   k=[record["original_f1"], record["perturbed_f1"]], kl="sentence F1")
    else:
        row.update(g=record["label"], pb=record["original_prediction"], pa=record["perturbed_prediction"],
                   k=record.get("confidence"), kl="p(gold label)")
    return row


def browse_rows(task: Task, runs: list[dict]) -> list[dict]:
    """Every test attack record of every run (``runs``: the report's run files, attacks included)."""
    rows = []
    for run in runs:
        variant = f"{run['trainset']}/{run['method']}"
        for path in run.get("attacks", {}).values():
            with open(path, encoding="utf-8") as f:
                rows += [browse_row(task, variant, run["seed"], json.loads(line)) for line in f]
    return rows


def _options(values: list[str], label: str) -> str:
    return f"<option value=''>every {label}</option>" + "".join(
        f"<option value='{esc(v)}'>{esc(v)}</option>" for v in dict.fromkeys(values))


def browser_html(dataset: str, rows: list[dict]) -> str:
    """The section's controls and its data (SCRIPT, once per page, draws every browser)."""
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":"), sort_keys=True).replace("</", "<\\/")
    key = esc(dataset)
    return (f"<div class='browser' data-dataset='{key}'>"
            f"<p>Every attacked test example of every model ({len(rows)} records): filter, or search the text "
            "before and after. The filters are kept in the page's address, so a link shows the same rows.</p>"
            f"<label>variant <select name='variant'>{_options([r['v'] for r in rows], 'variant')}</select></label> "
            f"<label>recipe <select name='recipe'>{_options([r['r'] for r in rows], 'recipe')}</select></label> "
            f"<label>outcome <select name='outcome'>{_options(['success', 'failed', 'skipped'], 'outcome')}</select></label> "
            "<label>text <input name='q' type='search' placeholder='words before or after'></label> "
            "<span class='count muted'></span><div class='scroll'><table class='examples'><thead><tr>"
            "<th class='l'>variant</th><th>seed</th><th class='l'>recipe</th><th class='l'>outcome</th>"
            "<th class='l'>before → after (changed words marked)</th><th class='l'>prediction</th>"
            "<th>confidence before → after</th><th>queries</th><th class='l'>id</th></tr></thead><tbody></tbody>"
            "</table></div><button type='button' class='more'>show more</button>"
            f"<script type='application/json' class='browse-data'>{data}</script></div>")


# One script for every dataset's browser. Text goes in through textContent only (never as HTML), so an
# example's words cannot inject markup.
SCRIPT = """<script>
(function(){
function el(tag, cls, text){var e=document.createElement(tag); if(cls) e.className=cls; if(text!==undefined) e.textContent=text; return e;}
function words(ws, changed, cls, tags){var d=el('div'); var set=new Set(changed);
  ws.forEach(function(w,i){ if(i) d.appendChild(document.createTextNode(' '));
    var m=el(set.has(i)?'mark':'span', set.has(i)?cls:'', w);
    if(tags && tags[i] && tags[i]!=='O'){ m.appendChild(el('sub','muted',tags[i])); }
    d.appendChild(m);}); return d;}
function pct(x){return x===null||x===undefined?'–':(100*x).toFixed(1);}
function params(){return new URLSearchParams(location.hash.replace(/^#/,''));}
document.querySelectorAll('.browser').forEach(function(box){
  var rows=JSON.parse(box.querySelector('.browse-data').textContent), ds=box.dataset.dataset;
  var body=box.querySelector('tbody'), count=box.querySelector('.count'), more=box.querySelector('.more');
  var controls={variant:box.querySelector('[name=variant]'), recipe:box.querySelector('[name=recipe]'),
                outcome:box.querySelector('[name=outcome]'), q:box.querySelector('[name=q]')};
  var shown=0, hits=[];
  function matches(r){var f={variant:controls.variant.value, recipe:controls.recipe.value, outcome:controls.outcome.value};
    var q=controls.q.value.trim().toLowerCase();
    return (!f.variant||r.v===f.variant)&&(!f.recipe||r.r===f.recipe)&&(!f.outcome||r.o===f.outcome)
      &&(!q||r.b.join(' ').toLowerCase().indexOf(q)>=0||r.a.join(' ').toLowerCase().indexOf(q)>=0);}
  function draw(n){hits.slice(shown, shown+n).forEach(function(r){var tr=el('tr'); tr.dataset.id=r.id;
      tr.appendChild(el('td','l',r.v)); tr.appendChild(el('td','',r.s===null?'–':String(r.s)));
      tr.appendChild(el('td','l',r.r)); tr.appendChild(el('td','l outcome-'+r.o,r.o));
      var text=el('td','l'); var tagged=Array.isArray(r.pb);
      text.appendChild(words(r.b,r.cb,'old',tagged?r.pb:null)); text.appendChild(words(r.a,r.ca,'new',tagged?r.pa:null)); tr.appendChild(text);
      tr.appendChild(el('td','l',tagged?'tags under the words (gold: '+r.g.filter(function(t){return t!=='O';}).join(' ')+')':'gold '+r.g+': '+r.pb+' → '+r.pa));
      tr.appendChild(el('td','',r.k?r.kl+' '+pct(r.k[0])+' → '+pct(r.k[1]):'–'));
      tr.appendChild(el('td','',String(r.q))); tr.appendChild(el('td','l',r.id)); body.appendChild(tr);});
    shown=Math.min(hits.length, shown+n); count.textContent=shown+' shown of '+hits.length+' matching ('+rows.length+' in all)';
    more.style.display=shown<hits.length?'':'none';}
  function apply(save){hits=rows.filter(matches); body.textContent=''; shown=0; draw(""" + str(PAGE) + """);
    if(save){var p=new URLSearchParams(); p.set('browse',ds);
      Object.keys(controls).forEach(function(k){if(controls[k].value) p.set(k,controls[k].value);});
      history.replaceState(null,'','#'+p.toString());}}
  function load(){var p=params(); if(p.get('browse')===ds){Object.keys(controls).forEach(function(k){controls[k].value=p.get(k)||'';});} apply(false);}
  Object.keys(controls).forEach(function(k){controls[k].addEventListener('input',function(){apply(true);});});
  more.addEventListener('click',function(){draw(""" + str(PAGE) + """);});
  window.addEventListener('hashchange',load); load();
});
})();
</script>"""
