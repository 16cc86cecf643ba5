// camoufleet's dashboard: renders the state that /v1/events pushes (SSE over
// fetch, so the API key goes in a header) and calls the instance actions.
// No libraries: it must work offline.
'use strict';

const $ = (id) => document.getElementById(id);
const KEY_STORE = 'camoufleet.key';
let key = sessionStorage.getItem(KEY_STORE) || '';
let keyRequired = false;
let state = null;
let stream = null;  // AbortController of the open /v1/events fetch
let retryMs = 500;

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c instanceof Node ? c : String(c));
  return e;
}

function ago(ms) {
  if (ms == null) return 'never';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  return Math.floor(s / 3600) + ' h ago';
}
const secs = (x) => (x == null ? '–' : x < 10 ? x.toFixed(2) + ' s' : x.toFixed(1) + ' s');
const mb = (b) => (b == null ? '–' : (b / 1048576).toFixed(0) + ' MB');
function countdown(until) {
  if (until == null) return null;
  const s = Math.max(0, Math.ceil((until - Date.now()) / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.classList.remove('hidden');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.add('hidden'), 3000);
}

// --- key handling -----------------------------------------------------------

function showLogin(message) {
  $('login').classList.remove('hidden');
  $('main').classList.add('hidden');
  $('key-error').textContent = message || '';
  $('key').focus();
}

$('key-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  key = $('key').value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORE, key);
  $('login').classList.add('hidden');
  connect();
});

$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORE);
  key = '';
  if (stream) stream.abort();
  showLogin();
});

// --- actions ----------------------------------------------------------------

async function act(method, path, done) {
  try {
    const r = await fetch(path, { method, headers: headers() });
    const body = await r.json().catch(() => ({}));
    if (r.status === 401) return showLogin('The key was refused.');
    if (!r.ok) return toast((body.error && body.error.message) || `${path}: ${r.status}`);
    toast(done);
  } catch (e) {
    toast(`${path}: ${e.message}`);
  }
}
const restart = (id) => act('POST', `/v1/instances/${encodeURIComponent(id)}/restart`, `${id}: restarting`);
const pause = (id) => act('POST', `/v1/instances/${encodeURIComponent(id)}/pause`, `${id}: out of rotation`);
const resume = (id) => act('POST', `/v1/instances/${encodeURIComponent(id)}/resume`, `${id}: back in rotation`);
// A picture of the instance's page (fetched with the key, shown from a blob).
async function screenshot(id) {
  const path = `/v1/instances/${encodeURIComponent(id)}/screenshot`;
  try {
    const r = await fetch(path, { headers: headers() });
    if (r.status === 401) return showLogin('The key was refused.');
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      return toast((body.error && body.error.message) || `${path}: ${r.status}`);
    }
    const img = $('shot-img');
    if (img.src) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(await r.blob());
    $('shot-title').textContent = `${id} · ${new Date().toLocaleTimeString()}`;
    $('shot').classList.remove('hidden');
  } catch (e) {
    toast(`${path}: ${e.message}`);
  }
}
$('shot-close').addEventListener('click', () => $('shot').classList.add('hidden'));
const cancel = (id) => act('POST', `/v1/cancel/${encodeURIComponent(id)}`, `${id}: cancelled`);

// --- rendering --------------------------------------------------------------

function instanceCard(i) {
  const cool = i.status === 'cooldown' ? countdown(i.cooldown_until) : null;
  const errors = Object.entries(i.errors || {}).map(([k, n]) => `${k} ${n}`).join(', ');
  return el('div', { class: `card ${i.status}${i.in_rotation ? '' : ' paused'}`, 'data-testid': 'instance', 'data-id': i.id, 'data-status': i.status, 'data-in-rotation': String(i.in_rotation) },
    el('h3', {}, el('span', {}, i.id), el('span', { class: `badge ${i.status}`, 'data-testid': 'status' }, i.status + (i.in_rotation ? '' : ' · paused'))),
    el('div', { class: 'reason', 'data-testid': 'reason' }, i.reason || ''),
    el('dl', {},
      el('dt', {}, 'profile'), el('dd', { title: i.auth_file }, i.auth_file || '–'),
      el('dt', {}, 'request'), el('dd', { class: 'id' }, i.current_request_id || '–'),
      el('dt', {}, 'last used'), el('dd', { 'data-ago': i.last_used == null ? 'never' : i.last_used }, ago(i.last_used)),
      el('dt', {}, 'served'), el('dd', { 'data-testid': 'served' }, i.served),
      el('dt', {}, 'errors'), el('dd', { title: errors }, `${i.error_count} in a row${errors ? ' · ' + errors : ''}`),
      el('dt', {}, 'restarts'), el('dd', { 'data-testid': 'restarts' }, i.restarts),
      el('dt', {}, 'page reloads'), el('dd', { 'data-testid': 'recycles' }, i.recycles ?? 0),
      el('dt', {}, 'cooldown'), el('dd', { 'data-testid': 'cooldown', 'data-until': cool ? i.cooldown_until : null }, cool || '–'),
      el('dt', {}, 'memory'), el('dd', {}, mb(i.memory_bytes)),
      el('dt', {}, 'browser'), el('dd', {}, `${i.browser || '–'} :${i.port}`)),
    el('div', { class: 'actions' },
      el('button', { type: 'button', 'data-action': 'restart', onclick: () => restart(i.id) }, 'Restart'),
      el('button', { type: 'button', 'data-action': 'screenshot', onclick: () => screenshot(i.id) }, 'Screenshot'),
      i.in_rotation
        ? el('button', { type: 'button', 'data-action': 'pause', onclick: () => pause(i.id) }, 'Take out of rotation')
        : el('button', { type: 'button', 'data-action': 'resume', onclick: () => resume(i.id) }, 'Put back')));
}

// Rebuilds only the children whose data changed, so a button being clicked
// is not swapped for a new one under the pointer.
function update(container, items, key, build) {
  const old = new Map([...container.children].map((e) => [e.dataset.key, e]));
  const next = items.map((item) => {
    const sig = JSON.stringify(item);
    const k = key(item);
    const e = old.get(k);
    if (e && e.dataset.sig === sig) return e;
    const fresh = build(item);
    fresh.dataset.key = k;
    fresh.dataset.sig = sig;
    return fresh;
  });
  const same = next.length === container.children.length && next.every((e, n) => container.children[n] === e);
  if (!same) container.replaceChildren(...next);
}

function runningRow(r) {
  return el('tr', { 'data-testid': 'running-request', 'data-instance': r.instance || '' },
    el('td', { class: 'id' }, r.id), el('td', {}, r.model || '–'),
    el('td', {}, r.instance || 'queued'), el('td', { 'data-ago': r.started }, ago(r.started)),
    el('td', {}, el('button', { type: 'button', 'data-action': 'cancel', onclick: () => cancel(r.id) }, 'Cancel')));
}

// Times that move between pushes: "3 s ago", cooldown countdowns.
function tick() {
  for (const e of document.querySelectorAll('[data-ago]'))
    e.textContent = ago(e.dataset.ago === 'never' ? null : Number(e.dataset.ago));
  for (const e of document.querySelectorAll('[data-until]')) e.textContent = countdown(Number(e.dataset.until));
  if (state) drawCharts();
}

function render() {
  if (!state) return;
  const c = state.counts;
  $('summary').textContent = `${c.total} instances · ${c.ready} ready · ${c.busy} busy · ${c.error} error · ${c.cooldown} cooldown · ${c.needs_login} need login${c.recycling ? ` · ${c.recycling} reloading` : ''} · queue ${state.queue.length}/${state.queue.limit}`;
  update($('instances'), state.instances, (i) => i.id, instanceCard);
  const sp = state.spares || { wanted: 0, browsers: [] };
  $('spares').classList.toggle('hidden', sp.wanted === 0 && sp.browsers.length === 0);
  $('spares-summary').textContent = `(${sp.browsers.filter((s) => s.status === 'ready').length} of ${sp.wanted} ready)`;
  update($('spare-list'), sp.browsers, (s) => s.id, (s) => el('li', { 'data-testid': 'spare', 'data-id': s.id, 'data-status': s.status },
    `${s.id} · ${s.status}${s.browser_pid ? ` · pid ${s.browser_pid}` : ''} · ${mb(s.memory_bytes)}`));
  update($('running'), state.running, (r) => r.id, runningRow);
  $('queue-summary').textContent = `(${state.running.length} open, ${state.queue.length} waiting)`;

  $('recent').replaceChildren(...state.recent.map((r) => el('tr', { 'data-testid': 'recent-request' },
    el('td', { class: 'id' }, r.id), el('td', {}, r.model || '–'), el('td', {}, r.key || '–'),
    el('td', {}, r.instance || '–'),
    el('td', { class: r.outcome === 'success' ? 'ok' : 'error' }, r.outcome),
    el('td', {}, secs(r.ttft_s)), el('td', {}, secs(r.duration_s)),
    el('td', {}, `${r.prompt_tokens} / ${r.completion_tokens}`),
    el('td', {}, new Date(r.started).toLocaleTimeString()))));

  const t = state.totals;
  $('totals').replaceChildren(
    el('span', {}, 'answered'), el('span', {}, t.success),
    el('span', {}, 'failed'), el('span', {}, t.error),
    el('span', {}, 'cancelled'), el('span', {}, t.cancelled),
    el('span', {}, 'tokens in / out'), el('span', {}, `${t.prompt_tokens} / ${t.completion_tokens}`));
  drawCharts();
}

function drawSeries(canvas, lines, maxHint) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, pad = 22;
  ctx.clearRect(0, 0, w, h);
  const now = Math.floor(Date.now() / 1000);
  let max = maxHint;
  for (const l of lines) for (const p of l.points) if (p.v != null) max = Math.max(max, p.v);
  ctx.strokeStyle = '#e3e6ea';
  ctx.fillStyle = '#6b7280';
  ctx.font = '10px sans-serif';
  ctx.beginPath();
  ctx.moveTo(pad, 4); ctx.lineTo(pad, h - pad); ctx.lineTo(w - 4, h - pad);
  ctx.stroke();
  ctx.fillText(max.toFixed(max < 10 ? 1 : 0), 2, 12);
  ctx.fillText('-60 s', pad, h - 6);
  ctx.fillText('now', w - 26, h - 6);
  const x = (t) => pad + ((t - (now - 60)) / 60) * (w - pad - 4);
  const y = (v) => h - pad - (v / max) * (h - pad - 6);
  for (const l of lines) {
    ctx.strokeStyle = l.color;
    ctx.fillStyle = l.color;
    ctx.beginPath();
    let started = false;
    for (const p of l.points) {
      if (p.v == null) continue;
      if (!started) { ctx.moveTo(x(p.t), y(p.v)); started = true; } else ctx.lineTo(x(p.t), y(p.v));
      ctx.fillRect(x(p.t) - 1.5, y(p.v) - 1.5, 3, 3);
    }
    ctx.stroke();
  }
  let lx = pad + 6;
  for (const l of lines) {
    ctx.fillStyle = l.color;
    ctx.fillText(l.name, lx, 12);
    lx += ctx.measureText(l.name).width + 12;
  }
}

function drawCharts() {
  const s = state ? state.series : [];
  drawSeries($('chart-throughput'), [
    { name: 'answered', color: '#1f9d55', points: s.map((p) => ({ t: p.t, v: p.completed })) },
    { name: 'failed', color: '#dc2626', points: s.map((p) => ({ t: p.t, v: p.failed })) },
  ], 1);
  drawSeries($('chart-latency'), [
    { name: 'TTFT', color: '#2563eb', points: s.map((p) => ({ t: p.t, v: p.ttft_avg_s })) },
    { name: 'duration', color: '#d97706', points: s.map((p) => ({ t: p.t, v: p.duration_avg_s })) },
  ], 0.5);
}

// --- the live stream ----------------------------------------------------------

function setConnected(on) {
  const c = $('conn');
  c.textContent = on ? 'live' : 'reconnecting';
  c.className = 'conn ' + (on ? 'on' : 'off');
  c.dataset.live = String(on);
}

function onEvent(block) {
  let type = 'message', data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data += line.slice(5).replace(/^ /, '');
  }
  if (type === 'state' && data) {
    state = JSON.parse(data);
    render();
  }
}

async function connect() {
  if (stream) stream.abort();
  if (keyRequired && !key) return showLogin();
  const ctl = new AbortController();
  stream = ctl;
  try {
    const r = await fetch('/v1/events', { headers: headers({ Accept: 'text/event-stream' }), signal: ctl.signal });
    if (r.status === 401) {
      sessionStorage.removeItem(KEY_STORE);
      key = '';
      return showLogin('The key was refused.');
    }
    if (!r.ok || !r.body) throw new Error('events: ' + r.status);
    $('main').classList.remove('hidden');
    $('forget-key').classList.toggle('hidden', !keyRequired);
    setConnected(true);
    retryMs = 500;
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        onEvent(buf.slice(0, end));
        buf = buf.slice(end + 2);
      }
    }
  } catch (e) {
    if (ctl.signal.aborted) return;
  }
  if (stream !== ctl) return;
  setConnected(false);
  setTimeout(connect, retryMs);
  retryMs = Math.min(retryMs * 2, 5000);
}

async function boot() {
  try {
    const live = await (await fetch('/health/live')).json();
    keyRequired = !!live.api_key_required;
  } catch (e) {
    keyRequired = false;
  }
  if (keyRequired && !key) return showLogin();
  connect();
}

setInterval(tick, 1000);
boot();
