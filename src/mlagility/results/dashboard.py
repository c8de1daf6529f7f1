"""One self-contained, offline HTML dashboard of a report (and the page of ``benchit compare``).

The page embeds plotly.js (no CDN) and the report as compact JSON (columns + rows, floats to 4
significant digits). It stays responsive with thousands of rows because:

* the table renders one page (100 rows) of the filtered, sorted rows at a time;
* per-model charts show the first ``TOP`` builds of the current order and filters;
* distributions never embed raw samples: each result carries a 21-point quantile sketch
  (0, 5, ..., 100th percentiles) of its raw latencies, from which the box/violin is drawn for the
  selected rows only (the first 8 shown when nothing is ticked);
* FLOPs vs latency uses WebGL (``scattergl``).

Metrics come from the scenarios' declarations (``scenarios/``): the table's metric columns are
each scenario's ``table`` metrics, labelled as declared; a row's latency (charts, speedup) is its
scenario's primary metric (median for inference, TPOT for a generation); the speedup is over the
framework's reference runtime (``Runtime.is_reference``: torch-eager, keras). Generations add two
charts: output tokens/s by runtime and TPOT by past length.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any, Iterable

from mlagility.builds.cache import resolve_cache_dir
from mlagility.common.filesystem import write_output
from mlagility.results.compare import load_results
from mlagility.results.report import COLUMNS, report_frame
from mlagility.runtimes.registry import reference_runtime_names
from mlagility.runtimes.samples import load_samples
from mlagility.scenarios.base import all_metrics, scenario_of, scenarios

SKETCH_QUANTILES = [q / 20 for q in range(21)]  # 0, 0.05, ..., 1
TOP = 40  # builds in the per-model charts


def table_metrics() -> list[str]:
    """The metric columns of the results table: every scenario's ``table`` metrics, each once."""
    return list(dict.fromkeys(name for cls in scenarios().values() for name in cls.table))


def metric_declarations() -> list[dict[str, Any]]:
    return [{"name": m.name, "label": m.label, "unit": m.unit, "lower_is_better": m.lower_is_better}
            for m in all_metrics()]


def _reference_runtimes() -> set[str]:
    return set(reference_runtime_names())

# (key in the page, report column or computed value)
FIELDS = [
    "build_name", "script", "model_name", "model_class", "labels", "task", "author", "domain", "params", "flops",
    "device", "runtime", "runtime_version", "precision", "scenario", *table_metrics(), "latency_ms", "latency_metric",
    "tpot_by_past", "speedup", "gflops_per_s", "peak_memory_mib", "check_ok", "status", "failed_stage", "error", "outcome",
    "log", "machine", "threads", "versions", "timed_iterations", "invocation_hash", "sketch",
]


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return float(f"{value:.4g}")
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return _clean(value.item())
    except ImportError:  # pragma: no cover
        pass
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _labels(text) -> dict[str, str]:
    labels: dict[str, str] = {}
    if not isinstance(text, str):
        return labels
    for part in text.split():
        key, _, values = part.partition("::")
        if values:
            labels[key] = values
    return labels


def outcome(row: dict) -> str:
    """One word for what happened to a build x runtime row (the outcome-by-stage chart)."""
    status, stage = row.get("status"), row.get("failed_stage")
    if row.get("latency_ms") is not None and status != "failed":
        return "check mismatch" if row.get("check_ok") is False else "benchmarked"
    if stage == "script":
        return "script failed"
    if stage == "check" or (stage and "check" in str(stage)):
        return "check failed"
    if stage:
        return f"{stage} failed"
    if status == "built":
        return "built (not benchmarked)"
    if status in ("building", "new"):
        return "incomplete"
    return str(status or "unknown")


def _sketch(samples_file) -> list | None:
    data = load_samples(samples_file) if isinstance(samples_file, str) and samples_file else None
    if data is None:
        return None
    import numpy as np

    return [float(f"{v:.4g}") for v in np.quantile(data, SKETCH_QUANTILES)]


def _by_past(text) -> list | None:
    """``"8:1.2 9:1.3"`` (the report's TPOT by past length) as ``[[8, 1.2], [9, 1.3]]``; anything
    that is not such pairs of finite numbers is left out."""
    if not isinstance(text, str):
        return None
    pairs = []
    for part in text.split()[:100_000]:
        past, _, ms = part.partition(":")
        try:
            point = [int(past), float(ms)]
        except ValueError:
            continue
        if math.isfinite(point[1]):
            pairs.append(point)
    return pairs or None


def page_rows(frame) -> list[dict[str, Any]]:
    """The report rows with the computed columns of the dashboard (speedup, outcome, sketch...)."""
    records = [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]
    references = _reference_runtimes()
    for row in records:  # a row's latency: its scenario's primary metric
        row["latency_metric"] = scenario_of(row).primary
        value = row.get(row["latency_metric"])
        row["latency_ms"] = value if _is_number(value) else None
    reference = {}
    for row in records:
        if row.get("runtime") in references and row["latency_ms"] and row.get("status") != "failed":
            reference[(row.get("cache"), row.get("build_name"), row.get("device"))] = row["latency_ms"]
    rows = []
    for row in records:
        labels = _labels(row.get("labels"))
        base = reference.get((row.get("cache"), row.get("build_name"), row.get("device")))
        median = row["latency_ms"]
        machine = " ".join(str(x) for x in (row.get("device_name"), f"{int(row['cores'])} cores" if _is_number(row.get("cores")) and row["cores"] > 0 else None)
                           if x) or None
        versions = row.get("package_versions")
        if row.get("runtime") and row.get("runtime_version"):
            versions = f"{versions or ''} {row['runtime']}={row['runtime_version']}".strip()
        computed = {
            "task": labels.get("task") or row.get("task"),
            "author": labels.get("author") or row.get("author"),
            "domain": labels.get("domain"),
            "speedup": _clean(base / median) if _is_number(base) and _is_number(median) and base and median
        and row.get("status") != "failed" else None,
            "outcome": outcome(row),
            "machine": machine,
            "versions": versions,
            "sketch": _sketch(row.get("samples_file")),
            "tpot_by_past": _by_past(row.get("tpot_ms_by_past_length")),
            "script": row.get("script"),
        }
        rows.append({name: computed[name] if name in computed else row.get(name) for name in FIELDS})
    return rows


def machines(rows: list[dict]) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for row in rows:
        if not row.get("runtime"):
            continue
        key = (row.get("machine"), row.get("threads"), row.get("versions"))
        entry = seen.setdefault(key, {"machine": key[0], "threads": key[1], "versions": key[2], "results": 0})
        entry["results"] += 1
    return sorted(seen.values(), key=lambda e: -e["results"])


# What the data island must never contain raw: "</script>" or "<!--" would end or confuse the
# element; U+2028/2029 end a line in older JavaScript parsers. JSON's \\uXXXX escapes keep the value.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                   0x2028: "\\u2028", 0x2029: "\\u2029"}


def _finite(data):
    """``data`` with every NaN or infinity (at any depth) as None: JSON has no such numbers."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {str(key): _finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(value) for value in data]
    return data


def script_json(data) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``: no character
    of it can end the element or be read as markup (``<``, ``>``, ``&``, U+2028/2029 escaped)."""
    text = json.dumps(_finite(data), separators=(",", ":"), allow_nan=False, ensure_ascii=False, default=str)
    return text.translate(_SCRIPT_ESCAPES)


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@functools.lru_cache(maxsize=None)
def _template(name: str):
    """The page templates, compiled by jinja2 with HTML autoescaping: every value put into the
    page is escaped for where it goes; only the page's own code (plotly.js, the app script, the
    style) and the JSON of ``script_json`` are marked safe."""
    import jinja2

    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string({"dashboard": _TEMPLATE, "compare": _COMPARE_TEMPLATE}[name])


def _page(name: str, title: str, data, app: str) -> str:
    from markupsafe import Markup

    return _template(name).render(title=title, style=Markup(_STYLE), plotly=Markup(_plotly_js()),
                                  data=Markup(script_json(data)), common=Markup(_COMMON_JS), app=Markup(app), top=TOP)


def render_dashboard(frame, title: str = "mlagility dashboard", sources: Iterable[str] = ()) -> str:
    import datetime

    rows = page_rows(frame)
    columns = FIELDS
    data = {
        "columns": columns,
        "rows": [[row[c] for c in columns] for row in rows],
        "machines": machines(rows),
        "sources": [str(s) for s in sources],
        "generated": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "sketch_quantiles": SKETCH_QUANTILES,
        "metrics": metric_declarations(),
        "table_metrics": table_metrics(),
        "references": sorted(_reference_runtimes()),
    }
    return _page("dashboard", str(title), data, _APP_JS)


def _same_source(source) -> tuple:
    """What makes two sources the same: the directory or file they resolve to."""
    path = Path(resolve_cache_dir(None)) if source is None else Path(source).expanduser()
    try:
        return ("path", str(path.resolve()))
    except (OSError, RuntimeError):
        return ("path", str(path.absolute()))


def unique_sources(sources: list) -> list:
    """``sources`` without repeats (the same cache given twice, or by two paths, counts once)."""
    seen, unique = set(), []
    for source in sources:
        key = _same_source(source)
        if key not in seen:
            seen.add(key)
            unique.append(source)
    return unique


def write_dashboard(sources: list, path, title: str | None = None) -> Path:
    """Write the dashboard of caches and/or report files to ``path`` (``filesystem.write_output``)."""
    import pandas as pd

    sources = unique_sources(list(sources))
    frames = []
    for source in sources:
        if source is None:
            frames.append(report_frame([None]))
        else:
            frames.append(load_results(source))  # a report file is validated by type as it is read
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    page = render_dashboard(frame, title or "mlagility dashboard", [s or "default cache" for s in sources])
    path = Path(path)
    write_output(path, page)  # a file atomically; /dev/stdout, a FIFO as a stream; never a folder
    return path


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f3b57;color:#fff;padding:10px 18px}header h1{margin:0;font-size:20px;overflow-wrap:anywhere}
header .sub{font-size:12px;opacity:.8;overflow-wrap:anywhere}
main{padding:10px 18px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:10px 0;padding:8px 12px}
section h2{font-size:15px;margin:4px 0 8px}
#filters label{margin-right:14px;font-size:13px}#filters select,#filters input{font-size:13px}
#filters select{max-width:240px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:10px}
.chart{height:380px}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #eee;padding:3px 5px;text-align:left;vertical-align:top}
td{white-space:normal;overflow-wrap:anywhere;max-width:22em}
th{white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}td.reason{max-width:320px;color:#a33}
th{position:sticky;top:0;background:#f0f3f6;cursor:pointer;user-select:none}
th.sorted-asc::after{content:" \\25B2"}th.sorted-desc::after{content:" \\25BC"}
tr.failed td{background:#fff5f5}.ok{color:#2a7}.bad{color:#c33}
#table-wrap{max-height:560px;overflow:auto}
.pager button{font-size:12px;margin:0 4px}.muted{color:#777;font-size:12px}
.empty{color:#777;padding:40px;text-align:center}
.slower{color:#c33;font-weight:600}.faster{color:#2a7;font-weight:600}
"""

# Jinja2 templates (autoescaped). Values: title (text), style/plotly/app (the page's own code),
# data (script_json), top (a number).
_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{{ style }}</style>
<script>{{ plotly }}</script>
</head><body>
<header><h1>{{ title }}</h1><div class="sub" id="subtitle"></div></header>
<main>
<section id="filters"><h2>Filters</h2>
<label>search <input id="f-text" type="search" placeholder="script, model, class, error..."></label>
<label>task <select id="f-task"><option value="">all</option></select></label>
<label>author <select id="f-author"><option value="">all</option></select></label>
<label>domain <select id="f-domain"><option value="">all</option></select></label>
<label>outcome <select id="f-outcome"><option value="">all</option></select></label>
<span id="f-runtimes"></span>
<span class="muted" id="row-count"></span>
</section>
<div class="grid">
<section><h2>Latency per model, by runtime <span class="muted">(median; TPOT for a generation)</span> <span class="muted">(first {{ top }} builds of the table order)</span></h2><div id="chart-latency" class="chart"></div></section>
<section><h2>Speedup over the reference runtime <span class="muted">(the framework's own: torch-eager, keras; &gt;1 is faster)</span></h2><div id="chart-speedup" class="chart"></div></section>
<section><h2>Generations: output tokens/s by runtime</h2><div id="chart-tokens" class="chart"></div></section>
<section><h2>Generations: TPOT by past length <span class="muted">(median per decode step)</span></h2><div id="chart-tpot" class="chart"></div></section>
<section><h2>Latency distributions <span class="muted">(ticked rows, else the first 8; from 21 quantiles of the raw samples)</span></h2><div id="chart-dist" class="chart"></div></section>
<section><h2>FLOPs vs median latency <span class="muted">(hover: achieved GFLOP/s)</span></h2><div id="chart-flops" class="chart"></div></section>
<section><h2>Outcome by stage</h2><div id="chart-outcome" class="chart"></div></section>
<section><h2>Top failure reasons</h2><div id="chart-reasons" class="chart"></div></section>
</div>
<section><h2>Results <span class="muted">(one row per build x runtime; click a header to sort)</span></h2>
<div class="pager" id="pager"></div>
<div id="table-wrap"><table id="results"><thead></thead><tbody></tbody></table></div></section>
<section><h2>Machines and versions</h2><table id="machines"><thead><tr><th>machine</th><th class="num">threads</th><th>versions</th><th class="num">results</th></tr></thead><tbody></tbody></table></section>
</main>
<script type="application/json" id="report-data">{{ data }}</script>
<script>{{ common }}{{ app }}</script>
</body></html>
"""

# Shared by both pages. Every text from the data reaches the page as a DOM text node or attribute
# value (never innerHTML), and chart text through pe() (plotly reads <a>, <span style>, <br> in
# labels: escaped to entities it shows literally). Numbers are formatted only when they are numbers.
_COMMON_JS = r"""
const $ = id => document.getElementById(id);
const LONG = 120, CHART = 60;
const isNum = v => typeof v === 'number' && isFinite(v);
const str = v => v === null || v === undefined ? '' : String(v);
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) { if (v === null || v === undefined || v === false) continue; if (k === 'class') e.className = v; else if (k === 'data') Object.entries(v).forEach(([dk, dv]) => e.dataset[dk] = str(dv)); else if (k in e && typeof e[k] !== 'function') e[k] = v; else e.setAttribute(k, str(v)); }
  children.forEach(c => { if (c !== null && c !== undefined && c !== '') e.append(c instanceof Node ? c : str(c)); });
  return e;
}
// a text that may be very long: shortened with an ellipsis, the whole of it on hover
function clip(v, full) {
  const s = str(v), whole = full === undefined ? s : str(full);
  if (s.length <= LONG && whole === s) return s;
  return el('span', {title: whole.length > 20000 ? whole.slice(0, 20000) + '…' : whole}, s.length > LONG ? s.slice(0, LONG - 1) + '…' : s);
}
const short = (s, n) => { s = str(s); return s.length <= n ? s : s.slice(0, n - 16) + '…' + s.slice(-15); };
const pe = s => str(s).replace(/[&<>]/g, ch => ({'&': '&amp;', '<': '&lt;', '>': '&gt;'}[ch]));
const pl = (s, n) => pe(short(s, n || CHART));  // a label for plotly: shortened, escaped
const fmt = (v, d) => !isNum(v) ? '' : (Math.abs(v) >= 1e5 ? v.toExponential(2) : String(+v.toFixed(d === undefined ? 3 : d)));
const si = v => { if (!isNum(v)) return ''; for (const [f, s] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) if (Math.abs(v) >= f) return (v / f).toFixed(1) + s; return String(v); };
"""

_APP_JS = r"""
(function(){
"use strict";
const TOP = 40, PAGE = 100;
const DATA = JSON.parse(document.getElementById('report-data').textContent);
const ROWS = DATA.rows.map((r, i) => { const o = {_id: i}; DATA.columns.forEach((c, j) => o[c] = r[j]); return o; });
const base = p => p ? str(p).split(/[\\/]/).pop() : '';
const stem = p => base(p).replace(/\.py$/, '');
const label = r => [stem(r.script), str(r.model_name)].filter(Boolean).join('/') || str(r.build_name) || '?';
const buildLabel = r => label(r) + (r.invocation_hash ? ' ' + str(r.invocation_hash).slice(0, 4) : '');
const state = {sort: null, dir: 1, page: 0, selected: new Set(), runtimes: new Set()};
const TABLE = [
  ['sel', '', r => el('input', {type: 'checkbox', class: 'sel', checked: state.selected.has(r._id), data: {id: r._id}})],
  ['script', 'script', r => clip(base(r.script), r.script)],
  ['model_name', 'model', r => clip(r.model_name)],
  ['model_class', 'class', r => clip(r.model_class)],
  ['labels', 'labels', r => clip(r.labels)],
  ['params', 'params', r => si(r.params), 1],
  ['flops', 'FLOPs', r => si(r.flops), 1],
  ['runtime', 'runtime', r => clip(r.runtime)],
  ['precision', 'precision', r => clip(r.precision)],
  ['scenario', 'scenario', r => clip(r.scenario)],
  // the metric columns, as the scenarios declare them (scenarios/)
  ...DATA.table_metrics.map(name => { const m = DATA.metrics.find(d => d.name === name) || {label: name};
    return [name, str(m.label), r => fmt(r[name], /_per_s$|_ips$/.test(name) ? 1 : undefined), 1]; }),
  ['speedup', 'speedup vs reference', r => isNum(r.speedup) ? fmt(r.speedup, 2) + 'x' : '', 1],
  ['gflops_per_s', 'GFLOP/s', r => fmt(r.gflops_per_s, 2), 1],
  ['peak_memory_mib', 'peak MiB', r => fmt(r.peak_memory_mib, 0), 1],
  ['check_ok', 'check', r => r.check_ok === true ? el('span', {class: 'ok'}, 'ok') : r.check_ok === false ? el('span', {class: 'bad'}, 'mismatch') : ''],
  ['status', 'status', r => clip(r.status)],
  ['failed_stage', 'failed stage', r => clip(r.failed_stage)],
  ['error', 'reason', r => clip(r.error), 0, 'reason'],
  ['log', 'log', r => r.log ? el('a', {href: 'file://' + encodeURI(str(r.log)), title: str(r.log)}, 'log') : ''],
];

function fillSelect(id, key) {
  const values = new Set();
  ROWS.forEach(r => { if (r[key]) str(r[key]).split(',').forEach(v => values.add(v)); });
  const select = $(id);
  [...values].sort().forEach(v => select.appendChild(el('option', {value: v, title: v}, short(v, 60))));
  select.addEventListener('change', update);
}
function setup() {
  $('subtitle').textContent = `${ROWS.length} rows from ${DATA.sources.map(s => short(s, 200)).join(', ') || 'a report'} · generated ${str(DATA.generated)}`;
  fillSelect('f-task', 'task'); fillSelect('f-author', 'author'); fillSelect('f-domain', 'domain'); fillSelect('f-outcome', 'outcome');
  const runtimes = [...new Set(ROWS.map(r => r.runtime).filter(Boolean).map(str))].sort();
  runtimes.forEach(rt => state.runtimes.add(rt));
  const box = $('f-runtimes'); box.append('runtime ');
  runtimes.forEach(rt => box.append(el('label', {title: rt}, el('input', {type: 'checkbox', class: 'f-rt', value: rt, checked: true}), ' ' + short(rt, 40))));
  document.querySelectorAll('.f-rt').forEach(cb => cb.addEventListener('change', () => { cb.checked ? state.runtimes.add(cb.value) : state.runtimes.delete(cb.value); update(); }));
  let timer = null;
  $('f-text').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(update, 150); });
  const head = $('results').querySelector('thead');
  head.append(el('tr', {}, ...TABLE.map(([k, t, f, num]) => el('th', {class: num ? 'num' : '', data: {key: k}}, t))));
  head.addEventListener('click', e => {
    const key = e.target.dataset && e.target.dataset.key; if (!key || key === 'sel') return;
    state.dir = state.sort === key ? -state.dir : 1; state.sort = key; state.page = 0; update();
  });
  $('results').querySelector('tbody').addEventListener('change', e => {
    if (!e.target.classList.contains('sel')) return;
    const id = +e.target.dataset.id; e.target.checked ? state.selected.add(id) : state.selected.delete(id); drawDistributions(current);
  });
  const machines = $('machines').querySelector('tbody');
  DATA.machines.forEach(m => machines.append(el('tr', {}, el('td', {}, clip(m.machine || '?')), el('td', {class: 'num'}, isNum(m.threads) ? String(m.threads) : clip(m.threads)),
                                                     el('td', {}, clip(m.versions)), el('td', {class: 'num'}, str(m.results)))));
  if (!DATA.machines.length) machines.append(el('tr', {}, el('td', {colSpan: 4, class: 'muted'}, 'no benchmark results')));
}
function matches(r, text, task, author, domain, out) {
  if (r.runtime && !state.runtimes.has(str(r.runtime))) return false;
  if (task && !str(r.task).split(',').includes(task)) return false;
  if (author && !str(r.author).split(',').includes(author)) return false;
  if (domain && !str(r.domain).split(',').includes(domain)) return false;
  if (out && r.outcome !== out) return false;
  if (text) { const hay = [r.script, r.model_name, r.model_class, r.labels, r.runtime, r.error, r.build_name].map(str).join(' ').toLowerCase(); if (!hay.includes(text)) return false; }
  return true;
}
let current = [];
function filtered() {
  const text = $('f-text').value.trim().toLowerCase(), task = $('f-task').value, author = $('f-author').value, domain = $('f-domain').value, out = $('f-outcome').value;
  let rows = ROWS.filter(r => matches(r, text, task, author, domain, out));
  if (state.sort) {
    const k = state.sort, d = state.dir;
    rows = rows.slice().sort((a, b) => { const x = a[k], y = b[k]; if (x === y) return 0; if (x === null || x === undefined) return 1; if (y === null || y === undefined) return -1; return (x < y ? -1 : 1) * d; });
  }
  return rows;
}
function drawTable(rows) {
  const pages = Math.max(1, Math.ceil(rows.length / PAGE)); state.page = Math.min(state.page, pages - 1);
  const shown = rows.slice(state.page * PAGE, (state.page + 1) * PAGE);
  $('results').querySelector('tbody').replaceChildren(...shown.map(r => el('tr', {class: 'data-row' + (r.status === 'failed' ? ' failed' : ''), data: {id: r._id}},
    ...TABLE.map(([k, t, f, num, cls]) => el('td', {class: [num ? 'num' : '', cls || ''].join(' ').trim()}, f(r))))));
  document.querySelectorAll('#results th').forEach(th => { th.classList.remove('sorted-asc', 'sorted-desc'); if (th.dataset.key === state.sort) th.classList.add(state.dir > 0 ? 'sorted-asc' : 'sorted-desc'); });
  $('row-count').textContent = `${rows.length} of ${ROWS.length} rows`; $('row-count').dataset.count = rows.length;
  const prev = el('button', {id: 'prev', disabled: !state.page}, '<'), next = el('button', {id: 'next', disabled: state.page >= pages - 1}, '>');
  $('pager').replaceChildren(prev, ` page ${state.page + 1} / ${pages} `, next);
  prev.onclick = () => { state.page--; drawTable(current); }; next.onclick = () => { state.page++; drawTable(current); };
}
const LAYOUT = extra => Object.assign({margin: {l: 60, r: 10, t: 10, b: 110}, legend: {orientation: 'h', y: 1.08}, font: {size: 11}}, extra || {});
const CONFIG = {responsive: true, displaylogo: false};
function empty(id, text) { Plotly.react(id, [], LAYOUT({xaxis: {visible: false}, yaxis: {visible: false}, annotations: [{text: pe(text), showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5}]}), CONFIG); }
function topBuilds(rows) {
  const order = [], seen = new Set();
  for (const r of rows) { if (!isNum(r.latency_ms)) continue; const b = pl(buildLabel(r)); if (!seen.has(b)) { seen.add(b); order.push(b); if (order.length >= TOP) break; } }
  return order;
}
function byRuntime(rows, builds, value) {
  const keep = new Set(builds), traces = {};
  rows.forEach(r => { const b = pl(buildLabel(r)), v = value(r), rt = pl(r.runtime, 40); if (!keep.has(b) || !isNum(v)) return; (traces[rt] = traces[rt] || {x: [], y: []}); traces[rt].x.push(b); traces[rt].y.push(v); });
  return Object.keys(traces).sort().map(rt => ({type: 'bar', name: rt, x: traces[rt].x, y: traces[rt].y}));
}
function drawLatency(rows) {
  const builds = topBuilds(rows); const traces = byRuntime(rows, builds, r => r.latency_ms);
  traces.length ? Plotly.react('chart-latency', traces, LAYOUT({barmode: 'group', yaxis: {title: 'ms (median; TPOT for a generation)', type: 'log'}, xaxis: {type: 'category', categoryorder: 'array', categoryarray: builds}}), CONFIG) : empty('chart-latency', 'no benchmark results');
}
function drawSpeedup(rows) {
  const builds = topBuilds(rows); const traces = byRuntime(rows.filter(r => !DATA.references.includes(str(r.runtime))), builds, r => r.speedup);
  traces.length ? Plotly.react('chart-speedup', traces, LAYOUT({barmode: 'group', yaxis: {title: 'speedup over the reference runtime'}, xaxis: {type: 'category', categoryorder: 'array', categoryarray: builds}, shapes: [{type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 1, y1: 1, line: {dash: 'dot', color: '#888'}}]}), CONFIG) : empty('chart-speedup', 'no runtime compared with the reference runtime (benchmark with --runtime ... torch-eager, or keras)');
}
function drawGeneration(rows) {
  const gen = rows.filter(r => r.scenario === 'generation');
  const builds = topBuilds(gen); const traces = byRuntime(gen, builds, r => r.output_tokens_per_s);
  traces.length ? Plotly.react('chart-tokens', traces, LAYOUT({barmode: 'group', yaxis: {title: 'output tokens/s'}, xaxis: {type: 'category', categoryorder: 'array', categoryarray: builds}}), CONFIG) : empty('chart-tokens', 'no generation in these results');
  const lines = gen.filter(r => Array.isArray(r.tpot_by_past) && r.tpot_by_past.length).slice(0, 12).map(r => ({type: 'scatter', mode: 'lines+markers', name: pl(buildLabel(r) + ' · ' + str(r.runtime)), x: r.tpot_by_past.map(p => p[0]), y: r.tpot_by_past.map(p => p[1])}));
  lines.length ? Plotly.react('chart-tpot', lines, LAYOUT({margin: {l: 60, r: 10, t: 10, b: 50}, xaxis: {title: 'past length (tokens)'}, yaxis: {title: 'TPOT ms (median)'}}), CONFIG) : empty('chart-tpot', 'no generation in these results');
}
const sketchOk = r => Array.isArray(r.sketch) && r.sketch.length && r.sketch.every(isNum);
function drawDistributions(rows) {
  let chosen = ROWS.filter(r => state.selected.has(r._id) && sketchOk(r));
  if (!chosen.length) chosen = rows.filter(sketchOk).slice(0, 8);
  const traces = chosen.map(r => ({type: 'violin', name: pl(buildLabel(r) + ' · ' + str(r.runtime)), y: r.sketch, box: {visible: true}, meanline: {visible: false}, points: false, spanmode: 'hard', hoverinfo: 'y+name'}));
  traces.length ? Plotly.react('chart-dist', traces, LAYOUT({showlegend: false, yaxis: {title: 'latency ms (log)', type: 'log'}, xaxis: {type: 'category'}}), CONFIG) : empty('chart-dist', 'no raw samples in these results');
}
function drawFlops(rows) {
  const traces = {};
  rows.forEach(r => { if (r.scenario === 'generation' || !isNum(r.flops) || !isNum(r.median_ms) || !r.flops || !r.median_ms) return; const rt = pl(r.runtime, 40); const t = traces[rt] = traces[rt] || {x: [], y: [], text: []}; t.x.push(r.flops); t.y.push(r.median_ms); t.text.push(`${pl(buildLabel(r))}<br>${rt}: ${fmt(r.gflops_per_s, 2)} GFLOP/s`); });
  const data = Object.keys(traces).sort().map(rt => ({type: 'scattergl', mode: 'markers', name: rt, x: traces[rt].x, y: traces[rt].y, text: traces[rt].text, hoverinfo: 'text', marker: {size: 6, opacity: 0.7}}));
  data.length ? Plotly.react('chart-flops', data, LAYOUT({margin: {l: 60, r: 10, t: 10, b: 50}, xaxis: {title: 'FLOPs', type: 'log'}, yaxis: {title: 'median ms', type: 'log'}}), CONFIG) : empty('chart-flops', 'no FLOPs counted for these results');
}
function drawOutcome(rows) {
  const rtOf = r => pl(r.runtime || '(no runtime)', 40), outOf = r => pl(r.outcome, 40);
  const outcomes = [...new Set(rows.map(outOf))].sort(), runtimes = [...new Set(rows.map(rtOf))].sort();
  const traces = runtimes.map(rt => ({type: 'bar', name: rt, x: outcomes, y: outcomes.map(o => rows.filter(r => rtOf(r) === rt && outOf(r) === o).length)}));
  rows.length ? Plotly.react('chart-outcome', traces, LAYOUT({barmode: 'stack', yaxis: {title: 'rows (build x runtime)'}, xaxis: {type: 'category'}}), CONFIG) : empty('chart-outcome', 'no rows');
  const reasons = {};
  rows.forEach(r => { if (r.status !== 'failed' || !r.error) return; const key = pe((r.failed_stage ? short(r.failed_stage, 30) + ': ' : '') + str(r.error).slice(0, 90)); reasons[key] = (reasons[key] || 0) + 1; });
  const top = Object.entries(reasons).sort((a, b) => b[1] - a[1]).slice(0, 10).reverse();
  top.length ? Plotly.react('chart-reasons', [{type: 'bar', orientation: 'h', x: top.map(t => t[1]), y: top.map(t => t[0]), marker: {color: '#c55'}}], LAYOUT({margin: {l: 420, r: 10, t: 10, b: 40}, xaxis: {title: 'rows'}, yaxis: {type: 'category'}}), CONFIG) : empty('chart-reasons', 'no failures');
}
function update() {
  current = filtered(); state.page = 0; drawTable(current);
  drawLatency(current); drawSpeedup(current); drawGeneration(current); drawDistributions(current); drawFlops(current); drawOutcome(current);
  window.dashboardRendered = (window.dashboardRendered || 0) + 1;
}
setup(); update(); window.dashboardReady = true;
})();
"""


# ---------------------------------------------------------------- the `benchit compare` page
def render_comparison(comparison, title: str = "mlagility comparison") -> str:
    """A page with the comparison table and a chart of each ratio with its confidence interval."""
    pairs = [pair.to_dict() for pair in comparison.pairs]
    for pair in pairs:
        pair.pop("key", None)
        for name, value in list(pair.items()):
            pair[name] = _clean(value)
    data = {"baseline": str(comparison.baseline), "candidate": str(comparison.candidate), "threshold": comparison.threshold,
            "confidence": comparison.confidence, "method": comparison.method, "counts": comparison.counts(),
            "noise_sigma": comparison.noise_sigma, "noise_band": comparison.noise_band, "overall": comparison.overall, "pairs": pairs}
    return _page("compare", str(title), data, _COMPARE_JS)


def write_comparison(comparison, path, title: str | None = None) -> Path:
    path = Path(path)
    write_output(path, render_comparison(comparison, title or "mlagility comparison"))
    return path


_COMPARE_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>{{ style }}</style>
<script>{{ plotly }}</script></head><body>
<header><h1>{{ title }}</h1><div class="sub" id="subtitle"></div></header>
<main>
<section><h2>Summary</h2><div id="summary"></div><div class="muted" id="method"></div></section>
<section><h2>Candidate / baseline median latency, with its confidence interval <span class="muted">(&gt;1 is slower)</span></h2><div id="chart-ratio" class="chart" style="height:auto;min-height:380px"></div></section>
<section><h2>Pairs</h2><label>verdict <select id="f-verdict"><option value="">all</option></select></label> <span class="muted" id="row-count"></span>
<div id="table-wrap"><table id="results"><thead><tr><th>model</th><th>build</th><th>runtime</th><th>precision</th><th>metric</th><th class="num">baseline ms</th><th class="num">candidate ms</th><th class="num">ratio</th><th>CI</th><th class="num">Mann-Whitney p</th><th>verdict</th><th>script</th></tr></thead><tbody></tbody></table></div></section>
</main>
<script type="application/json" id="report-data">{{ data }}</script>
<script>{{ common }}{{ app }}</script>
</body></html>
"""

_COMPARE_JS = r"""
(function(){
"use strict";
const D = JSON.parse(document.getElementById('report-data').textContent);
const f = (v, d) => isNum(v) ? v.toFixed(d) : '';
const pct = v => isNum(v) ? ((Math.exp(v) - 1) * 100).toFixed(1) : '?';
const verdictClass = v => v === 'slower' ? 'slower' : v === 'faster' ? 'faster' : '';
const pairs = Array.isArray(D.pairs) ? D.pairs : [], counts = D.counts && typeof D.counts === 'object' ? D.counts : {};
$('subtitle').textContent = `baseline ${short(D.baseline, 300)}  vs  candidate ${short(D.candidate, 300)} · threshold ${isNum(D.threshold) ? (D.threshold * 100).toFixed(1) : '?'}%`;
const summary = $('summary');
Object.entries(counts).forEach(([k, v], i) => { if (i) summary.append(' · '); summary.append(el('b', {}, str(v)), ' ' + k); });
$('method').textContent = `${isNum(D.confidence) ? Math.round(D.confidence * 100) : '?'}% ${str(D.method)}. Verdict: significant (interval excludes 1) AND beyond the threshold. ` +
  (!isNum(D.noise_sigma) ? 'Run-to-run noise not estimated (fewer than 8 pairs).' : `Run-to-run noise across the pairs: sd ±${pct(D.noise_sigma)}%, band ±${pct(D.noise_band)}% (added to each interval).`);
const o = D.overall;
if (o && o.pairs) summary.append(el('br'), `overall (${str(o.pairs)} pairs): median ratio `, el('b', {}, f(o.median_ratio, 3) + 'x'),
  ` [${f(o.ci_low, 3)}, ${f(o.ci_high, 3)}]: `, el('b', {class: verdictClass(o.verdict)}, str(o.verdict)));
Object.keys(counts).forEach(v => $('f-verdict').appendChild(el('option', {value: v}, v)));
function draw() {
  const want = $('f-verdict').value, shown = pairs.filter(p => !want || p.verdict === want);
  $('results').querySelector('tbody').replaceChildren(...shown.map(p => el('tr', {class: 'data-row'},
    el('td', {}, clip(p.name)), el('td', {}, clip(p.build_name)), el('td', {}, clip(p.runtime)), el('td', {}, clip(p.precision)), el('td', {}, clip(p.metric)),
    el('td', {class: 'num'}, f(p.baseline_ms, 4)), el('td', {class: 'num'}, f(p.candidate_ms, 4)),
    el('td', {class: 'num'}, isNum(p.ratio) ? f(p.ratio, 3) + 'x' : ''),
    el('td', {}, isNum(p.ci_low) ? '[' + f(p.ci_low, 3) + ', ' + f(p.ci_high, 3) + ']' : ''),
    el('td', {class: 'num'}, isNum(p.p_value) ? p.p_value.toExponential(1) : ''),
    el('td', {class: verdictClass(p.verdict)}, clip(p.verdict)),
    el('td', {}, clip(str(p.script).split('/').pop(), p.script)))));
  $('row-count').textContent = `${shown.length} of ${pairs.length} pairs`; $('row-count').dataset.count = shown.length;
  const ok = shown.filter(p => isNum(p.ratio) && p.ratio > 0).slice(0, 200);
  const colour = p => p.verdict === 'slower' ? '#c33' : p.verdict === 'faster' ? '#2a7' : '#888';
  const trace = {type: 'scatter', mode: 'markers', orientation: 'h', x: ok.map(p => p.ratio), y: ok.map((p, i) => `${pl(p.build_name || p.name)} · ${pl(p.runtime, 40)} #${i + 1}`),
    error_x: {type: 'data', symmetric: false, array: ok.map(p => isNum(p.ci_high) ? p.ci_high - p.ratio : 0), arrayminus: ok.map(p => isNum(p.ci_low) ? p.ratio - p.ci_low : 0)},
    marker: {color: ok.map(colour), size: 8}, text: ok.map(p => pl(p.verdict, 40)), hovertemplate: '%{y}: %{x:.3f}x (%{text})<extra></extra>'};
  const t = isNum(D.threshold) ? D.threshold : 0;
  Plotly.react('chart-ratio', ok.length ? [trace] : [], {height: Math.max(380, 22 * ok.length + 80), margin: {l: 260, r: 20, t: 10, b: 40}, xaxis: {title: 'candidate / baseline', type: 'log'}, yaxis: {autorange: 'reversed', type: 'category'},
    shapes: [1, 1 + t, 1 / (1 + t)].map((x, i) => ({type: 'line', yref: 'paper', y0: 0, y1: 1, x0: x, x1: x, line: {dash: i ? 'dot' : 'solid', color: '#999'}})),
    annotations: ok.length ? [] : [{text: 'no pairs with a ratio', showarrow: false, xref: 'paper', yref: 'paper', x: .5, y: .5}]}, {responsive: true, displaylogo: false});
}
$('f-verdict').addEventListener('change', draw); draw(); window.dashboardReady = true;
})();
"""
