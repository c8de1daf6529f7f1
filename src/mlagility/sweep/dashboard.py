"""One self-contained, offline HTML dashboard of a report (and the page of ``benchit compare``).

The page embeds plotly.js (no CDN) and the report as compact JSON (columns + rows, floats to 4
significant digits). It stays responsive with thousands of rows because:

* the table renders one page (100 rows) of the filtered, sorted rows at a time;
* per-model charts show the first ``TOP`` builds of the current order and filters;
* distributions never embed raw samples: each result carries a 21-point quantile sketch
  (0, 5, ..., 100th percentiles) of its raw latencies, from which the box/violin is drawn for the
  selected rows only (the first 8 shown when nothing is ticked);
* FLOPs vs latency uses WebGL (``scattergl``).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any, Iterable

SKETCH_QUANTILES = [q / 20 for q in range(21)]  # 0, 0.05, ..., 1
EAGER = "torch-eager"

# (key in the page, report column or computed value)
FIELDS = [
    "build_name", "script", "model_name", "model_class", "labels", "task", "author", "domain", "params", "flops",
    "device", "runtime", "runtime_version", "precision", "median_ms", "p90_ms", "p99_ms", "throughput_ips",
    "speedup", "gflops_per_s", "peak_memory_mib", "check_ok", "status", "failed_stage", "error", "outcome",
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
    if row.get("median_ms") is not None and status != "failed":
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
    from mlagility.runtimes.samples import load_samples

    data = load_samples(samples_file) if isinstance(samples_file, str) and samples_file else None
    if data is None:
        return None
    import numpy as np

    return [float(f"{v:.4g}") for v in np.quantile(data, SKETCH_QUANTILES)]


def page_rows(frame) -> list[dict[str, Any]]:
    """The report rows with the computed columns of the dashboard (speedup, outcome, sketch...)."""
    records = [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]
    eager = {}
    for row in records:
        if row.get("runtime") == EAGER and row.get("median_ms") and row.get("status") != "failed":
            eager[(row.get("cache"), row.get("build_name"), row.get("device"))] = row["median_ms"]
    rows = []
    for row in records:
        labels = _labels(row.get("labels"))
        base = eager.get((row.get("cache"), row.get("build_name"), row.get("device")))
        median = row.get("median_ms")
        machine = " ".join(str(x) for x in (row.get("device_name"), f"{int(row['cores'])} cores" if row.get("cores") else None)
                           if x) or None
        versions = row.get("package_versions")
        if row.get("runtime") and row.get("runtime_version"):
            versions = f"{versions or ''} {row['runtime']}={row['runtime_version']}".strip()
        computed = {
            "task": labels.get("task") or row.get("task"),
            "author": labels.get("author") or row.get("author"),
            "domain": labels.get("domain"),
            "speedup": _clean(base / median) if base and median and row.get("status") != "failed" else None,
            "outcome": outcome(row),
            "machine": machine,
            "versions": versions,
            "sketch": _sketch(row.get("samples_file")),
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


def _json(data) -> str:
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


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
    }
    return (_TEMPLATE.replace("%TITLE%", html.escape(title))
            .replace("%STYLE%", _STYLE)
            .replace("%PLOTLY%", _plotly_js())
            .replace("%DATA%", _json(data))
            .replace("%APP%", _APP_JS))


def write_dashboard(sources: list, path, title: str | None = None) -> Path:
    """Write the dashboard of caches and/or report files to ``path`` (``filesystem.write_output``)."""
    import pandas as pd

    from mlagility.common.filesystem import write_output
    from mlagility.sweep.compare import load_results
    from mlagility.sweep.report import COLUMNS, report_frame

    frames = []
    for source in sources:
        if source is None:
            frames.append(report_frame([None]))
        else:
            frames.append(load_results(source))
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
header{background:#1f3b57;color:#fff;padding:10px 18px}header h1{margin:0;font-size:20px}
header .sub{font-size:12px;opacity:.8}
main{padding:10px 18px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:10px 0;padding:8px 12px}
section h2{font-size:15px;margin:4px 0 8px}
#filters label{margin-right:14px;font-size:13px}#filters select,#filters input{font-size:13px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:10px}
.chart{height:380px}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #eee;padding:3px 5px;text-align:left;white-space:nowrap}
td.num,th.num{text-align:right}td.reason{white-space:normal;max-width:320px;color:#a33}
th{position:sticky;top:0;background:#f0f3f6;cursor:pointer;user-select:none}
th.sorted-asc::after{content:" \\25B2"}th.sorted-desc::after{content:" \\25BC"}
tr.failed td{background:#fff5f5}.ok{color:#2a7}.bad{color:#c33}
#table-wrap{max-height:560px;overflow:auto}
.pager button{font-size:12px;margin:0 4px}.muted{color:#777;font-size:12px}
.empty{color:#777;padding:40px;text-align:center}
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%TITLE%</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>%STYLE%</style>
<script>%PLOTLY%</script>
</head><body>
<header><h1>%TITLE%</h1><div class="sub" id="subtitle"></div></header>
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
<section><h2>Median latency per model, by runtime <span class="muted">(first __TOP__ builds of the table order)</span></h2><div id="chart-latency" class="chart"></div></section>
<section><h2>Speedup over torch-eager <span class="muted">(&gt;1 is faster)</span></h2><div id="chart-speedup" class="chart"></div></section>
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
<script type="application/json" id="report-data">%DATA%</script>
<script>%APP%</script>
</body></html>
"""

_APP_JS = r"""
(function(){
"use strict";
const TOP = 40, PAGE = 100;
const DATA = JSON.parse(document.getElementById('report-data').textContent);
const C = {}; DATA.columns.forEach((c, i) => C[c] = i);
const ROWS = DATA.rows.map((r, i) => { const o = {_id: i}; DATA.columns.forEach((c, j) => o[c] = r[j]); return o; });
const $ = id => document.getElementById(id);
const esc = s => String(s).replace(/[&<>"']/g, ch => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[ch]));
const base = p => p ? String(p).split(/[\\/]/).pop() : '';
const fmt = (v, d) => v === null || v === undefined ? '' : (typeof v === 'number' ? (Math.abs(v) >= 1e5 ? v.toExponential(2) : +v.toFixed(d === undefined ? 3 : d)) : String(v));
const si = v => { if (v === null || v === undefined) return ''; const u = [[1e12,'T'],[1e9,'G'],[1e6,'M'],[1e3,'k']]; for (const [f, s] of u) if (Math.abs(v) >= f) return (v / f).toFixed(1) + s; return String(v); };
const stem = p => base(p).replace(/\.py$/, '');
const label = r => [stem(r.script), r.model_name].filter(Boolean).join('/') || r.build_name || '?';
const buildLabel = r => label(r) + (r.invocation_hash ? ' ' + String(r.invocation_hash).slice(0, 4) : '');
const state = {sort: null, dir: 1, page: 0, selected: new Set(), runtimes: new Set()};
const TABLE = [
  ['sel', '', r => `<input type="checkbox" class="sel" data-id="${r._id}" ${state.selected.has(r._id) ? 'checked' : ''}>`],
  ['script', 'script', r => `<span title="${esc(r.script || '')}">${esc(base(r.script))}</span>`],
  ['model_name', 'model', r => esc(r.model_name || '')],
  ['model_class', 'class', r => esc(r.model_class || '')],
  ['labels', 'labels', r => esc(r.labels || '')],
  ['params', 'params', r => si(r.params), 1],
  ['flops', 'FLOPs', r => si(r.flops), 1],
  ['runtime', 'runtime', r => esc(r.runtime || '')],
  ['precision', 'precision', r => esc(r.precision || '')],
  ['median_ms', 'median ms', r => fmt(r.median_ms), 1],
  ['p90_ms', 'p90 ms', r => fmt(r.p90_ms), 1],
  ['p99_ms', 'p99 ms', r => fmt(r.p99_ms), 1],
  ['throughput_ips', 'inf/s', r => fmt(r.throughput_ips, 1), 1],
  ['speedup', 'speedup vs eager', r => r.speedup ? fmt(r.speedup, 2) + 'x' : '', 1],
  ['gflops_per_s', 'GFLOP/s', r => fmt(r.gflops_per_s, 2), 1],
  ['peak_memory_mib', 'peak MiB', r => fmt(r.peak_memory_mib, 0), 1],
  ['check_ok', 'check', r => r.check_ok === true ? '<span class="ok">ok</span>' : r.check_ok === false ? '<span class="bad">mismatch</span>' : ''],
  ['status', 'status', r => esc(r.status || '')],
  ['failed_stage', 'failed stage', r => esc(r.failed_stage || '')],
  ['error', 'reason', r => esc(r.error || ''), 0, 'reason'],
  ['log', 'log', r => r.log ? `<a href="file://${encodeURI(r.log)}" title="${esc(r.log)}">log</a>` : ''],
];

function fillSelect(id, key) {
  const values = new Set();
  ROWS.forEach(r => { if (r[key]) String(r[key]).split(',').forEach(v => values.add(v)); });
  const select = $(id);
  [...values].sort().forEach(v => { const o = document.createElement('option'); o.value = v; o.textContent = v; select.appendChild(o); });
  select.addEventListener('change', update);
}
function setup() {
  $('subtitle').textContent = `${ROWS.length} rows from ${DATA.sources.join(', ') || 'a report'} · generated ${DATA.generated}`;
  fillSelect('f-task', 'task'); fillSelect('f-author', 'author'); fillSelect('f-domain', 'domain'); fillSelect('f-outcome', 'outcome');
  const runtimes = [...new Set(ROWS.map(r => r.runtime).filter(Boolean))].sort();
  runtimes.forEach(rt => state.runtimes.add(rt));
  $('f-runtimes').innerHTML = 'runtime ' + runtimes.map(rt => `<label><input type="checkbox" class="f-rt" value="${esc(rt)}" checked> ${esc(rt)}</label>`).join('');
  document.querySelectorAll('.f-rt').forEach(cb => cb.addEventListener('change', () => { cb.checked ? state.runtimes.add(cb.value) : state.runtimes.delete(cb.value); update(); }));
  let timer = null;
  $('f-text').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(update, 150); });
  $('results').querySelector('thead').innerHTML = '<tr>' + TABLE.map(([k, t, f, num]) => `<th data-key="${k}" class="${num ? 'num' : ''}">${esc(t)}</th>`).join('') + '</tr>';
  $('results').querySelector('thead').addEventListener('click', e => {
    const key = e.target.dataset && e.target.dataset.key; if (!key || key === 'sel') return;
    state.dir = state.sort === key ? -state.dir : 1; state.sort = key; state.page = 0; update();
  });
  $('results').querySelector('tbody').addEventListener('change', e => {
    if (!e.target.classList.contains('sel')) return;
    const id = +e.target.dataset.id; e.target.checked ? state.selected.add(id) : state.selected.delete(id); drawDistributions(current);
  });
  $('machines').querySelector('tbody').innerHTML = DATA.machines.map(m => `<tr><td>${esc(m.machine || '?')}</td><td class="num">${esc(m.threads ?? '')}</td><td>${esc(m.versions || '')}</td><td class="num">${m.results}</td></tr>`).join('') || '<tr><td colspan="4" class="muted">no benchmark results</td></tr>';
}
function matches(r, text, task, author, domain, out) {
  if (r.runtime && !state.runtimes.has(r.runtime)) return false;
  if (task && !String(r.task || '').split(',').includes(task)) return false;
  if (author && !String(r.author || '').split(',').includes(author)) return false;
  if (domain && !String(r.domain || '').split(',').includes(domain)) return false;
  if (out && r.outcome !== out) return false;
  if (text) { const hay = [r.script, r.model_name, r.model_class, r.labels, r.runtime, r.error, r.build_name].join(' ').toLowerCase(); if (!hay.includes(text)) return false; }
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
  $('results').querySelector('tbody').innerHTML = shown.map(r => `<tr class="data-row ${r.status === 'failed' ? 'failed' : ''}" data-id="${r._id}">` + TABLE.map(([k, t, f, num, cls]) => `<td class="${num ? 'num' : ''} ${cls || ''}">${f(r)}</td>`).join('') + '</tr>').join('');
  document.querySelectorAll('#results th').forEach(th => { th.classList.remove('sorted-asc', 'sorted-desc'); if (th.dataset.key === state.sort) th.classList.add(state.dir > 0 ? 'sorted-asc' : 'sorted-desc'); });
  $('row-count').textContent = `${rows.length} of ${ROWS.length} rows`; $('row-count').dataset.count = rows.length;
  $('pager').innerHTML = `<button id="prev" ${state.page ? '' : 'disabled'}>&lt;</button> page ${state.page + 1} / ${pages} <button id="next" ${state.page < pages - 1 ? '' : 'disabled'}>&gt;</button>`;
  $('prev').onclick = () => { state.page--; drawTable(current); }; $('next').onclick = () => { state.page++; drawTable(current); };
}
const LAYOUT = extra => Object.assign({margin: {l: 60, r: 10, t: 10, b: 110}, legend: {orientation: 'h', y: 1.08}, font: {size: 11}}, extra || {});
const CONFIG = {responsive: true, displaylogo: false};
function empty(id, text) { Plotly.react(id, [], LAYOUT({xaxis: {visible: false}, yaxis: {visible: false}, annotations: [{text: text, showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5}]}), CONFIG); }
function topBuilds(rows) {
  const order = [], seen = new Set();
  for (const r of rows) { if (r.median_ms === null || r.median_ms === undefined) continue; const b = buildLabel(r); if (!seen.has(b)) { seen.add(b); order.push(b); if (order.length >= TOP) break; } }
  return order;
}
function byRuntime(rows, builds, value) {
  const keep = new Set(builds), traces = {};
  rows.forEach(r => { const b = buildLabel(r), v = value(r); if (!keep.has(b) || v === null || v === undefined) return; (traces[r.runtime] = traces[r.runtime] || {x: [], y: [], text: []}); traces[r.runtime].x.push(b); traces[r.runtime].y.push(v); });
  return Object.keys(traces).sort().map(rt => ({type: 'bar', name: rt, x: traces[rt].x, y: traces[rt].y}));
}
function drawLatency(rows) {
  const builds = topBuilds(rows); const traces = byRuntime(rows, builds, r => r.median_ms);
  traces.length ? Plotly.react('chart-latency', traces, LAYOUT({barmode: 'group', yaxis: {title: 'median ms', type: 'log'}, xaxis: {categoryorder: 'array', categoryarray: builds}}), CONFIG) : empty('chart-latency', 'no benchmark results');
}
function drawSpeedup(rows) {
  const builds = topBuilds(rows); const traces = byRuntime(rows.filter(r => r.runtime !== 'torch-eager'), builds, r => r.speedup);
  traces.length ? Plotly.react('chart-speedup', traces, LAYOUT({barmode: 'group', yaxis: {title: 'speedup over torch-eager'}, xaxis: {categoryorder: 'array', categoryarray: builds}, shapes: [{type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 1, y1: 1, line: {dash: 'dot', color: '#888'}}]}), CONFIG) : empty('chart-speedup', 'no runtime compared with torch-eager (benchmark with --runtime ... torch-eager)');
}
function drawDistributions(rows) {
  let chosen = ROWS.filter(r => state.selected.has(r._id) && r.sketch);
  if (!chosen.length) chosen = rows.filter(r => r.sketch).slice(0, 8);
  const traces = chosen.map(r => ({type: 'violin', name: buildLabel(r) + ' · ' + r.runtime, y: r.sketch, box: {visible: true}, meanline: {visible: false}, points: false, spanmode: 'hard', hoverinfo: 'y+name'}));
  traces.length ? Plotly.react('chart-dist', traces, LAYOUT({showlegend: false, yaxis: {title: 'latency ms (log)', type: 'log'}}), CONFIG) : empty('chart-dist', 'no raw samples in these results');
}
function drawFlops(rows) {
  const traces = {};
  rows.forEach(r => { if (!r.flops || !r.median_ms) return; const t = traces[r.runtime] = traces[r.runtime] || {x: [], y: [], text: []}; t.x.push(r.flops); t.y.push(r.median_ms); t.text.push(`${buildLabel(r)}<br>${r.runtime}: ${fmt(r.gflops_per_s, 2)} GFLOP/s`); });
  const data = Object.keys(traces).sort().map(rt => ({type: 'scattergl', mode: 'markers', name: rt, x: traces[rt].x, y: traces[rt].y, text: traces[rt].text, hoverinfo: 'text', marker: {size: 6, opacity: 0.7}}));
  data.length ? Plotly.react('chart-flops', data, LAYOUT({margin: {l: 60, r: 10, t: 10, b: 50}, xaxis: {title: 'FLOPs', type: 'log'}, yaxis: {title: 'median ms', type: 'log'}}), CONFIG) : empty('chart-flops', 'no FLOPs counted for these results');
}
function drawOutcome(rows) {
  const outcomes = [...new Set(rows.map(r => r.outcome))].sort(), runtimes = [...new Set(rows.map(r => r.runtime || '(no runtime)'))].sort();
  const traces = runtimes.map(rt => ({type: 'bar', name: rt, x: outcomes, y: outcomes.map(o => rows.filter(r => (r.runtime || '(no runtime)') === rt && r.outcome === o).length)}));
  rows.length ? Plotly.react('chart-outcome', traces, LAYOUT({barmode: 'stack', yaxis: {title: 'rows (build x runtime)'}}), CONFIG) : empty('chart-outcome', 'no rows');
  const reasons = {};
  rows.forEach(r => { if (r.status !== 'failed' || !r.error) return; const key = (r.failed_stage ? r.failed_stage + ': ' : '') + String(r.error).slice(0, 90); reasons[key] = (reasons[key] || 0) + 1; });
  const top = Object.entries(reasons).sort((a, b) => b[1] - a[1]).slice(0, 10).reverse();
  top.length ? Plotly.react('chart-reasons', [{type: 'bar', orientation: 'h', x: top.map(t => t[1]), y: top.map(t => t[0]), marker: {color: '#c55'}}], LAYOUT({margin: {l: 420, r: 10, t: 10, b: 40}, xaxis: {title: 'rows'}}), CONFIG) : empty('chart-reasons', 'no failures');
}
function update() {
  current = filtered(); state.page = 0; drawTable(current);
  drawLatency(current); drawSpeedup(current); drawDistributions(current); drawFlops(current); drawOutcome(current);
  window.dashboardRendered = (window.dashboardRendered || 0) + 1;
}
setup(); update(); window.dashboardReady = true;
})();
""".replace("__TOP__", "40")

_TEMPLATE = _TEMPLATE.replace("__TOP__", "40")


# ---------------------------------------------------------------- the `benchit compare` page
def render_comparison(comparison, title: str = "mlagility comparison") -> str:
    """A page with the comparison table and a chart of each ratio with its confidence interval."""
    pairs = [pair.to_dict() for pair in comparison.pairs]
    for pair in pairs:
        pair.pop("key", None)
        for name, value in list(pair.items()):
            pair[name] = _clean(value)
    data = {"baseline": comparison.baseline, "candidate": comparison.candidate, "threshold": comparison.threshold,
            "confidence": comparison.confidence, "method": comparison.method, "counts": comparison.counts(),
            "noise_sigma": comparison.noise_sigma, "noise_band": comparison.noise_band, "overall": comparison.overall, "pairs": pairs}
    return (_COMPARE_TEMPLATE.replace("%TITLE%", html.escape(title)).replace("%STYLE%", _STYLE)
            .replace("%PLOTLY%", _plotly_js()).replace("%DATA%", _json(data)).replace("%APP%", _COMPARE_JS))


def write_comparison(comparison, path, title: str | None = None) -> Path:
    from mlagility.common.filesystem import write_output

    path = Path(path)
    write_output(path, render_comparison(comparison, title or "mlagility comparison"))
    return path


_COMPARE_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%TITLE%</title>
<style>%STYLE% .slower{color:#c33;font-weight:600}.faster{color:#2a7;font-weight:600}</style>
<script>%PLOTLY%</script></head><body>
<header><h1>%TITLE%</h1><div class="sub" id="subtitle"></div></header>
<main>
<section><h2>Summary</h2><div id="summary"></div><div class="muted" id="method"></div></section>
<section><h2>Candidate / baseline median latency, with its confidence interval <span class="muted">(&gt;1 is slower)</span></h2><div id="chart-ratio" class="chart" style="height:auto;min-height:380px"></div></section>
<section><h2>Pairs</h2><label>verdict <select id="f-verdict"><option value="">all</option></select></label> <span class="muted" id="row-count"></span>
<div id="table-wrap"><table id="results"><thead><tr><th>model</th><th>build</th><th>runtime</th><th>precision</th><th class="num">baseline ms</th><th class="num">candidate ms</th><th class="num">ratio</th><th>CI</th><th class="num">Mann-Whitney p</th><th>verdict</th><th>script</th></tr></thead><tbody></tbody></table></div></section>
</main>
<script type="application/json" id="report-data">%DATA%</script>
<script>%APP%</script>
</body></html>
"""

_COMPARE_JS = r"""
(function(){
"use strict";
const D = JSON.parse(document.getElementById('report-data').textContent), $ = id => document.getElementById(id);
const esc = s => String(s ?? '').replace(/[&<>"']/g, ch => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[ch]));
const f = (v, d) => v === null || v === undefined ? '' : (+v).toFixed(d);
$('subtitle').textContent = `baseline ${D.baseline}  vs  candidate ${D.candidate} · threshold ${(D.threshold * 100).toFixed(1)}%`;
$('summary').innerHTML = Object.entries(D.counts).map(([k, v]) => `<b>${v}</b> ${esc(k)}`).join(' · ');
$('method').textContent = `${Math.round(D.confidence * 100)}% ${D.method}. Verdict: significant (interval excludes 1) AND beyond the threshold. ` +
  (D.noise_sigma === null || D.noise_sigma === undefined ? 'Run-to-run noise not estimated (fewer than 8 pairs).' : `Run-to-run noise across the pairs: sd ±${((Math.exp(D.noise_sigma) - 1) * 100).toFixed(1)}%, band ±${((Math.exp(D.noise_band) - 1) * 100).toFixed(1)}% (added to each interval).`);
if (D.overall && D.overall.pairs) $('summary').innerHTML += `<br>overall (${D.overall.pairs} pairs): median ratio <b>${D.overall.median_ratio.toFixed(3)}x</b> [${D.overall.ci_low.toFixed(3)}, ${D.overall.ci_high.toFixed(3)}]: <b class="${D.overall.verdict === 'slower' ? 'slower' : D.overall.verdict === 'faster' ? 'faster' : ''}">${esc(D.overall.verdict)}</b>`;
Object.keys(D.counts).forEach(v => { const o = document.createElement('option'); o.value = v; o.textContent = v; $('f-verdict').appendChild(o); });
function draw() {
  const want = $('f-verdict').value, pairs = D.pairs.filter(p => !want || p.verdict === want);
  $('results').querySelector('tbody').innerHTML = pairs.map(p => `<tr class="data-row"><td>${esc(p.name)}</td><td>${esc(p.build_name)}</td><td>${esc(p.runtime)}</td><td>${esc(p.precision)}</td><td class="num">${f(p.baseline_ms, 4)}</td><td class="num">${f(p.candidate_ms, 4)}</td><td class="num">${p.ratio ? f(p.ratio, 3) + 'x' : ''}</td><td>${p.ci_low ? '[' + f(p.ci_low, 3) + ', ' + f(p.ci_high, 3) + ']' : ''}</td><td class="num">${p.p_value === null || p.p_value === undefined ? '' : (+p.p_value).toExponential(1)}</td><td class="${p.verdict === 'slower' ? 'slower' : p.verdict === 'faster' ? 'faster' : ''}">${esc(p.verdict)}</td><td title="${esc(p.script)}">${esc(String(p.script || '').split('/').pop())}</td></tr>`).join('');
  $('row-count').textContent = `${pairs.length} of ${D.pairs.length} pairs`; $('row-count').dataset.count = pairs.length;
  const ok = pairs.filter(p => p.ratio).slice(0, 200);
  const colour = p => p.verdict === 'slower' ? '#c33' : p.verdict === 'faster' ? '#2a7' : '#888';
  const trace = {type: 'scatter', mode: 'markers', orientation: 'h', x: ok.map(p => p.ratio), y: ok.map((p, i) => `${p.build_name || p.name} · ${p.runtime} #${i + 1}`),
    error_x: {type: 'data', symmetric: false, array: ok.map(p => p.ci_high ? p.ci_high - p.ratio : 0), arrayminus: ok.map(p => p.ci_low ? p.ratio - p.ci_low : 0)},
    marker: {color: ok.map(colour), size: 8}, text: ok.map(p => p.verdict), hovertemplate: '%{y}: %{x:.3f}x (%{text})<extra></extra>'};
  const t = D.threshold;
  Plotly.react('chart-ratio', ok.length ? [trace] : [], {height: Math.max(380, 22 * ok.length + 80), margin: {l: 260, r: 20, t: 10, b: 40}, xaxis: {title: 'candidate / baseline', type: 'log'}, yaxis: {autorange: 'reversed'},
    shapes: [1, 1 + t, 1 / (1 + t)].map((x, i) => ({type: 'line', yref: 'paper', y0: 0, y1: 1, x0: x, x1: x, line: {dash: i ? 'dot' : 'solid', color: '#999'}})),
    annotations: ok.length ? [] : [{text: 'no pairs with a ratio', showarrow: false, xref: 'paper', yref: 'paper', x: .5, y: .5}]}, {responsive: true, displaylogo: false});
}
$('f-verdict').addEventListener('change', draw); draw(); window.dashboardReady = true;
})();
"""
