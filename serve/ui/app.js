// app.js — the /ui/ page: builds a /so8t/volume request from the form, reads its NDJSON
// stream (a partial result after each batch, then the final object), draws the convergence
// plot as inline SVG, fills the GPU/CPU table, then streams /so8t/explain and marks each
// number of the text as checked or not. /so8t/rotations fills the SO(8) table. No library.
'use strict';

const $ = (id) => document.getElementById(id);
let lastJSON = null;     // the final result's text, as the server sent it
let abort = null;        // AbortController of the run in flight
let points = [];         // {n, est, lo, hi} from the partial lines
let gpus = 0;

function fmt(v, digits) {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : v.toPrecision(digits || 10);
}

function status(id, text) { $(id).textContent = text; }

async function loadInfo() {
  try {
    const r = await fetch('/so8t/info');
    const info = await r.json();
    gpus = info.gpus || 0;
    const dev = $('device');
    if (gpus > 0) {
      dev.textContent = `GPU: ${gpus} CUDA device(s). Runs use the GPU; “verify” also runs the CPU and compares.`;
    } else {
      dev.textContent = 'No GPU on this server' + (info.cuda_compiled ? '' : ' (built without CUDA)') +
        ': runs use the CPU (the same Philox numbers the GPU would draw); the GPU column stays empty.';
      dev.classList.add('nogpu');
      $('backend').querySelector('option[value=cuda]').disabled = true;
    }
    $('samples').max = info.limits.samples;
    $('rot_n').max = info.limits.rotations;
  } catch (e) {
    status('device', 'Cannot reach the server: ' + e);
  }
}

function radio(name) {
  return document.querySelector(`input[name=${name}]:checked`).value;
}

// The request: the result JSON's field names (docs/json.md), as the CLI takes them.
function buildRequest() {
  const d = parseInt($('dim').value, 10);
  const req = { dim: d, half_side: Number($('half_side').value), radius: Number($('radius').value) };
  const c = radio('center');
  if (c === 'axis') req.center = [0.5].concat(new Array(Math.max(d - 1, 0)).fill(0));
  else if (c === 'diag') req.center = 0.3;
  else if (c === 'custom') {
    const parts = $('center_custom').value.split(',').map((s) => Number(s.trim()));
    req.center = parts.length === 1 ? parts[0] : parts;
  }
  req.rotation = radio('rotation');
  req.quantity = $('quantity').value;
  req.method = $('method').value;
  if (radio('stop') === 'samples') req.samples = Number($('samples').value);
  else req.rel_err = Number($('rel_err').value);
  req.seed = Number($('seed').value);
  req.backend = $('backend').value;
  if ($('verify').checked) req.verify = true;
  if ($('exact').checked) req.exact = true;
  return req;
}

// Reads an NDJSON response line by line.
async function readLines(resp, onLine) {
  const reader = resp.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) onLine(line);
    }
  }
  if (buf.trim()) onLine(buf);
}

async function postStream(path, body, onLine) {
  const resp = await fetch(path, {
    method: 'POST', body: JSON.stringify(body), signal: abort ? abort.signal : undefined,
    headers: { 'Content-Type': 'application/json' },
  });
  if (!resp.ok) {
    let msg = resp.statusText;
    try { msg = (await resp.json()).error; } catch (e) { /* not JSON */ }
    throw new Error(`${resp.status}: ${msg}`);
  }
  await readLines(resp, onLine);
}

// ---- the convergence plot (inline SVG) ----
const SVGNS = 'http://www.w3.org/2000/svg';
function el(name, attrs, parent) {
  const e = document.createElementNS(SVGNS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function drawPlot(exact) {
  const W = 720, H = 320, L = 78, R = 16, T = 14, B = 44;
  const box = $('plot');
  box.textContent = '';
  const svg = el('svg', { xmlns: SVGNS, viewBox: `0 0 ${W} ${H}`, width: W, height: H,
    'font-family': 'system-ui, sans-serif' }, box);
  el('rect', { x: 0, y: 0, width: W, height: H, fill: '#fff' }, svg);
  const pts = points.filter((p) => Number.isFinite(p.est) && Number.isFinite(p.lo) && Number.isFinite(p.hi));
  if (!pts.length) {
    const t = el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', fill: '#5a6470' }, svg);
    t.textContent = 'waiting for the first batch…';
    return;
  }
  const xs = pts.map((p) => Math.log10(p.n));
  let x0 = Math.floor(Math.min(...xs)), x1 = Math.ceil(Math.max(...xs));
  if (x1 === x0) x1 = x0 + 1;
  let y0 = Math.min(...pts.map((p) => p.lo)), y1 = Math.max(...pts.map((p) => p.hi));
  if (Number.isFinite(exact)) { y0 = Math.min(y0, exact); y1 = Math.max(y1, exact); }
  const pad = (y1 - y0) * 0.08 || Math.abs(y0) * 0.01 || 1;
  y0 -= pad; y1 += pad;
  const X = (lx) => L + (lx - x0) / (x1 - x0) * (W - L - R);
  const Y = (v) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  const axis = el('g', { 'font-size': 12, fill: '#1b1f24' }, svg);
  for (let k = x0; k <= x1; k++) {
    el('line', { x1: X(k), x2: X(k), y1: T, y2: H - B, stroke: '#e3e7ec' }, axis);
    const t = el('text', { x: X(k), y: H - B + 16, 'text-anchor': 'middle' }, axis);
    t.textContent = `1e${k}`;
  }
  for (let i = 0; i <= 4; i++) {
    const v = y0 + (y1 - y0) * i / 4;
    el('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v), stroke: '#e3e7ec' }, axis);
    const t = el('text', { x: L - 6, y: Y(v) + 4, 'text-anchor': 'end' }, axis);
    t.textContent = v.toPrecision(6);
  }
  const xl = el('text', { x: (L + W - R) / 2, y: H - 8, 'text-anchor': 'middle' }, axis);
  xl.textContent = 'samples (log scale)';
  el('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: 'none', stroke: '#5a6470' }, svg);
  const upper = pts.map((p) => `${X(Math.log10(p.n))},${Y(p.hi)}`);
  const lower = pts.slice().reverse().map((p) => `${X(Math.log10(p.n))},${Y(p.lo)}`);
  el('polygon', { points: upper.concat(lower).join(' '), fill: '#9cc3ea', 'fill-opacity': 0.55,
    stroke: 'none', class: 'band' }, svg);
  if (Number.isFinite(exact)) {
    el('line', { x1: L, x2: W - R, y1: Y(exact), y2: Y(exact), stroke: '#b3261e',
      'stroke-dasharray': '6 4', 'stroke-width': 1.5, class: 'exact' }, svg);
  }
  el('polyline', { points: pts.map((p) => `${X(Math.log10(p.n))},${Y(p.est)}`).join(' '),
    fill: 'none', stroke: '#0b5cad', 'stroke-width': 1.5 }, svg);
  for (const p of pts) {
    el('circle', { cx: X(Math.log10(p.n)), cy: Y(p.est), r: 3, fill: '#0b5cad', class: 'pt' }, svg);
  }
}

// ---- the result ----
function zOf(r, exact) {
  if (!r || !Number.isFinite(exact) || !(r.std_error > 0)) return null;
  return (r.estimate - exact) / r.std_error;
}

function showResult(res) {
  $('estimate').textContent = fmt(res.estimate, 12);
  $('ci95').textContent = res.ci95 ? `[${fmt(res.ci95[0], 10)}, ${fmt(res.ci95[1], 10)}]` : '—';
  $('exact_value').textContent = fmt(res.exact, 12);
  $('z').textContent = fmt(res.z, 6);
  $('hits').textContent = fmt(res.hits);
  $('samples_out').textContent = fmt(res.samples);
  $('method_out').textContent = `${res.method}, ${res.backend}`;
  const tb = $('verify_table').querySelector('tbody');
  tb.textContent = '';
  const rows = res.cpu !== undefined ? [['CPU', res.cpu], ['GPU', res.gpu]] : [[res.backend.toUpperCase(), res]];
  for (const [name, r] of rows) {
    const tr = document.createElement('tr');
    const cells = r ? [name, fmt(r.hits), fmt(r.estimate, 12), fmt(r.std_error, 4), fmt(zOf(r, res.exact), 4)]
      : [name, 'not run (no GPU)', '—', '—', '—'];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.appendChild(td);
    }
    tb.appendChild(tr);
  }
  const id = $('identical');
  id.className = '';
  if (res.identical === true) { id.textContent = 'GPU and CPU: identical (same samples, hits and sum bits).'; id.className = 'pass'; }
  else if (res.identical === false) { id.textContent = 'GPU and CPU: NOT identical.'; id.className = 'fail'; }
  else if (res.cpu !== undefined) id.textContent = 'Only the CPU ran (no GPU here): nothing to compare.';
  else id.textContent = '';
  $('dl_json').disabled = false;
  $('dl_svg').disabled = false;
}

// ---- the explanation: each number marked as checked against the result ----
function markNumbers(text, unverified) {
  const box = $('explanation');
  box.textContent = '';
  const bad = new Set(unverified || []);
  const re = /(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?%?/g;
  let at = 0, m;
  while ((m = re.exec(text)) !== null) {
    box.appendChild(document.createTextNode(text.slice(at, m.index)));
    const s = document.createElement('span');
    const isBad = bad.has(m[0]) || [...bad].some((b) => b && m[0].includes(b));
    s.className = 'num ' + (isBad ? 'bad' : 'ok');
    s.title = isBad ? 'not found in the result' : 'checked against the result';
    s.textContent = m[0];
    box.appendChild(s);
    at = m.index + m[0].length;
  }
  box.appendChild(document.createTextNode(text.slice(at)));
}

async function explain(resultText) {
  status('explain_status', 'Explaining…');
  $('explanation').textContent = '';
  const body = { result: JSON.parse(resultText), stream: true };
  const model = $('model').value.trim();
  if (model) body.model = model;
  let final = null;
  await postStream('/so8t/explain', body, (line) => {
    const o = JSON.parse(line);
    if (o.error) throw new Error(o.error);
    if (o.partial) $('explanation').textContent = o.text;
    else final = o;
  });
  if (!final) throw new Error('the explanation ended early');
  markNumbers(final.text, final.unverified_numbers);
  const n = (final.unverified_numbers || []).length;
  status('explain_status', (final.fallback ? `Template (${final.reason})` : `Model ${final.model}`) +
    (n ? ` — ${n} number(s) not found in the result` : ' — every number checked against the result'));
}

async function run(ev) {
  ev.preventDefault();
  const req = buildRequest();
  $('request').textContent = JSON.stringify(req);
  points = [];
  lastJSON = null;
  $('dl_json').disabled = $('dl_svg').disabled = true;
  $('run').disabled = true;
  $('stop').disabled = false;
  abort = new AbortController();
  status('status', 'Running…');
  let exact = NaN;
  try {
    // the exact value first (milliseconds), so its line is on the plot while the run grows
    if (req.exact && req.quantity !== 'orient_avg') {
      const ex = {};
      for (const k of ['dim', 'half_side', 'radius', 'center', 'rotation', 'seed', 'quantity']) {
        if (k in req) ex[k] = req[k];
      }
      try {
        const r = await fetch('/so8t/exact', { method: 'POST', body: JSON.stringify(ex),
          headers: { 'Content-Type': 'application/json' }, signal: abort.signal });
        if (r.ok) exact = (await r.json()).value;
      } catch (e) {
        if (e.name === 'AbortError') throw e;
      }
    }
    await postStream('/so8t/volume', Object.assign({ stream: true }, req), (line) => {
      const o = JSON.parse(line);
      if (o.error) throw new Error(o.error);
      if (o.partial) {
        points.push({ n: o.samples, est: o.estimate, lo: o.ci95[0], hi: o.ci95[1] });
        status('status', `Running… ${o.samples.toLocaleString('en')} samples`);
        drawPlot(exact);
      } else {
        lastJSON = line;
        if (Number.isFinite(o.exact)) exact = o.exact;
        if (!points.length || points[points.length - 1].n !== o.samples) {
          points.push({ n: o.samples, est: o.estimate, lo: o.ci95[0], hi: o.ci95[1] });
        }
        drawPlot(exact);
        showResult(o);
      }
    });
    if (!lastJSON) throw new Error('the run ended without a result');
    status('status', 'Done.');
    if ($('explain').checked) await explain(lastJSON);
  } catch (e) {
    status('status', e.name === 'AbortError' ? 'Stopped.' : 'Error: ' + e.message);
  } finally {
    $('run').disabled = false;
    $('stop').disabled = true;
    abort = null;
  }
}

function download(name, type, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

async function rotations(ev) {
  ev.preventDefault();
  status('rot_status', 'Drawing and testing…');
  $('rot_run').disabled = true;
  try {
    const r = await fetch('/so8t/rotations', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ samples: Number($('rot_n').value), dim: 8, seed: Number($('rot_seed').value) }),
    });
    const o = await r.json();
    if (o.error) throw new Error(o.error);
    const tb = $('rot_table').querySelector('tbody');
    tb.textContent = '';
    for (const t of o.tests) {
      const tr = document.createElement('tr');
      for (const c of [t.name, fmt(t.value, 6), fmt(t.expected, 6), fmt(t.z, 3), t.pass ? 'pass' : 'FAIL']) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.appendChild(td);
      }
      tr.lastChild.className = t.pass ? 'pass' : 'fail';
      tb.appendChild(tr);
    }
    status('rot_status', `${fmt(o.samples)} rotations on the ${o.backend}, ${fmt(o.rotations_per_second, 4)}/s: ` +
      (o.pass ? 'every test passes.' : 'a test FAILS.'));
  } catch (e) {
    status('rot_status', 'Error: ' + e.message);
  } finally {
    $('rot_run').disabled = false;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  loadInfo();
  drawPlot(NaN);
  $('form').addEventListener('submit', run);
  $('stop').addEventListener('click', () => { if (abort) abort.abort(); });
  $('so8form').addEventListener('submit', rotations);
  $('dl_json').addEventListener('click', () => lastJSON && download('so8t-volume.json', 'application/json', lastJSON + '\n'));
  $('dl_svg').addEventListener('click', () => {
    const svg = $('plot').querySelector('svg');
    if (svg) download('so8t-convergence.svg', 'image/svg+xml', new XMLSerializer().serializeToString(svg));
  });
});
