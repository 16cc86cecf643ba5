// Shared helpers for the benchmarks: start the simulator and camoufleet on
// free ports, talk to them, and stop everything this process started (by PID,
// also on failure and Ctrl-C).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const bench_dir = path.dirname(fileURLToPath(import.meta.url));
export const repo_dir = path.dirname(bench_dir);
export const build_dir = process.env.CAMOUFLEET_BUILD || path.join(repo_dir, 'build-bench');
export const camoufleet_bin = process.env.CAMOUFLEET_BIN || path.join(build_dir, 'app', 'camoufleet');
export const sim_bin = process.env.AISTUDIO_SIM_BIN || path.join(build_dir, 'sim', 'aistudio-sim');
export const chromium_bin = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const firefox_bin = process.env.FIREFOX_BIN || '/usr/bin/firefox-esr';
export const shell_bin = process.env.CHROMIUM_SHELL_BIN || '/usr/bin/chromium-headless-shell';

// --browsers chromium,shell,firefox: the browser kinds a script measures, a
// line each, in one run (camoufleet drives firefox-esr over WebDriver BiDi;
// shell is Chromium's headless shell, over CDP like chromium).
export function browser_kinds(def = 'chromium') {
  const kinds = String(arg('browsers', def)).split(',').filter(Boolean);
  for (const k of kinds) if (!['chromium', 'shell', 'firefox'].includes(k)) throw new Error(`--browsers: unknown kind ${k}`);
  return kinds;
}
// The camoufleet options for a kind (start_fleet's extra).
export const kind_args = (kind) => ({
  firefox: ['--browser', firefox_bin, '--browser-kind', 'firefox'],
  shell: ['--browser', shell_bin],
}[kind] ?? []);

// STACK.md: what Chromium needs as root in this container.
export const chromium_flags = [
  '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  '--no-default-browser-check', '--disable-crash-reporter', '--disable-breakpad',
];

export const now_ms = () => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- cleanup: every child and temp dir is registered here ----------

const children = new Set();   // {pid, name, group}
const temp_dirs = new Set();
let cleaned = false;

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

// Browsers started by camoufleet run in their own process group, so they are
// found by their --user-data-dir, which lies under one of our temp dirs.
export function browser_pids_under(dir) {
  const out = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let cmd;
    try { cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8'); } catch { continue; }
    if ((cmd.includes('chrom') || cmd.includes('firefox')) && cmd.includes(dir)) out.push(Number(e));
  }
  return out;
}

function kill_quiet(pid, sig) {
  try { process.kill(pid, sig); } catch { /* already gone */ }
}

export function cleanup_sync() {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) {
    if (c.group) kill_quiet(-c.pid, 'SIGKILL');
    kill_quiet(c.pid, 'SIGKILL');
  }
  for (const d of temp_dirs) {
    for (const pid of browser_pids_under(d)) kill_quiet(pid, 'SIGKILL');
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
}

process.on('exit', cleanup_sync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { cleanup_sync(); process.exit(130); });
}
process.on('uncaughtException', (e) => { console.error(e); cleanup_sync(); process.exit(1); });
process.on('unhandledRejection', (e) => { console.error(e); cleanup_sync(); process.exit(1); });

export function make_temp_dir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temp_dirs.add(d);
  return d;
}

export function remove_temp_dir(d) {
  for (const pid of browser_pids_under(d)) kill_quiet(pid, 'SIGKILL');
  fs.rmSync(d, { recursive: true, force: true });
  temp_dirs.delete(d);
}

// Spawns a child in its own process group and waits for a stdout line
// matching `re` (with a deadline). Returns {proc, pid, match, stderr_lines}.
export function start_child(name, bin, args, re, timeout_ms = 60000, keep_log = null, env = process.env) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    const rec = { pid: proc.pid, name, group: true };
    children.add(rec);
    const lines = [];
    let out = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`${name} did not start in ${timeout_ms} ms:\n${lines.slice(-30).join('\n')}`)), timeout_ms);
    function finish(err, m) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err); else resolve({ proc, pid: proc.pid, match: m, stderr_lines: lines, rec });
    }
    const log = keep_log ? fs.createWriteStream(keep_log) : null;
    let err_buf = '';
    proc.stderr.on('data', (b) => {
      if (log) log.write(b);
      err_buf += b.toString();
      let i;
      while ((i = err_buf.indexOf('\n')) >= 0) {
        lines.push(err_buf.slice(0, i));
        if (lines.length > 2000) lines.shift();
        err_buf = err_buf.slice(i + 1);
      }
    });
    proc.stdout.on('data', (b) => {
      if (log) log.write(b);
      out += b.toString();
      const m = out.match(re);
      if (m) finish(null, m);
    });
    proc.on('exit', (code, sig) => {
      children.delete(rec);
      finish(new Error(`${name} exited (${code ?? sig}) before it was ready:\n${lines.slice(-30).join('\n')}`));
    });
  });
}

// SIGTERM first (camoufleet closes its browsers), SIGKILL to the group after
// the deadline.
export async function stop_child(c, timeout_ms = 15000) {
  if (!c || !children.has(c.rec)) return;
  const exited = new Promise((r) => c.proc.once('exit', r));
  kill_quiet(c.pid, 'SIGTERM');
  const t = await Promise.race([exited.then(() => 'exit'), sleep(timeout_ms).then(() => 'timeout')]);
  if (t === 'timeout') {
    kill_quiet(-c.pid, 'SIGKILL');
    await Promise.race([exited, sleep(2000)]);
  }
  children.delete(c.rec);
}

// ---------- simulator ----------

export async function start_sim({ first_token_ms = 50, token_ms = 20, tokens = 24, accounts = 0 } = {}) {
  const args = ['--port', '0', '--first-token-ms', String(first_token_ms), '--token-ms', String(token_ms),
    '--tokens', String(tokens)];
  if (accounts > 0) args.push('--accounts', String(accounts));
  const c = await start_child('aistudio-sim', sim_bin, args, /aistudio-sim listening on (http:\/\/[0-9.]+:(\d+))/, 20000);
  c.url = c.match[1];
  c.port = Number(c.match[2]);
  return c;
}

export function account_names(n) {
  const names = ['alice', 'bob', 'carol'];
  for (let i = 1; names.length < n; ++i) names.push(`user${i}`);
  return names.slice(0, n);
}

// Writes storageState profiles for the first n accounts (with the sim's
// origin) into dir/<account>.json.
export async function write_profiles(sim, dir, n) {
  fs.mkdirSync(dir, { recursive: true });
  const extra = Math.max(0, n - 3);
  await new Promise((resolve, reject) => {
    const p = spawn(sim_bin, ['--write-profiles', dir, '--port', String(sim.port), '--accounts', String(extra)],
      { stdio: 'ignore' });
    const t = setTimeout(() => { kill_quiet(p.pid, 'SIGKILL'); reject(new Error('write-profiles timed out')); }, 20000);
    p.on('exit', (code) => { clearTimeout(t); code === 0 ? resolve() : reject(new Error(`write-profiles: ${code}`)); });
  });
  return account_names(n).map((a) => path.join(dir, `${a}.json`));
}

// ---------- camoufleet ----------

// Starts camoufleet --multi with the first n accounts. Returns the child
// with .port, .dir (profile root), .t_spawn (ms, now_ms clock).
// `first` skips that many accounts, so fleets sharing one simulator get
// accounts of their own.
export async function start_fleet(sim, n, { log_level = 'info', log_file = null, extra = [], first = 0 } = {}) {
  const dir = make_temp_dir('camoufleet-bench-');
  const all = path.join(dir, 'all');
  await write_profiles(sim, all, Math.max(first + n, 3));
  const auth = path.join(dir, 'active');
  fs.mkdirSync(auth, { mode: 0o700 });
  for (const a of account_names(first + n).slice(first)) {
    fs.copyFileSync(path.join(all, `${a}.json`), path.join(auth, `${a}.json`));
    fs.chmodSync(path.join(auth, `${a}.json`), 0o600);
  }
  const root = path.join(dir, 'profiles');
  fs.mkdirSync(root);
  const args = ['--multi', '--headless', '--port', '0', '--auth-dir', auth, '--site-url',
    `${sim.url}/prompts/new_chat`, '--profile-root', root, '--log-level', log_level, ...extra,
    // BENCH_FLEET_ARGS: more camoufleet options, for experiments (e.g. --site-file F)
    ...(process.env.BENCH_FLEET_ARGS ? process.env.BENCH_FLEET_ARGS.split(' ').filter(Boolean) : [])];
  const t_spawn = now_ms();
  // BENCH_FLEET_PRELOAD: an LD_PRELOAD for camoufleet only, for experiments
  // (e.g. a shim that sets TCP_NODELAY on accepted sockets).
  const env = process.env.BENCH_FLEET_PRELOAD ? { ...process.env, LD_PRELOAD: process.env.BENCH_FLEET_PRELOAD } : process.env;
  const c = await start_child('camoufleet', camoufleet_bin, args, /camoufleet listening on http:\/\/[0-9.]+:(\d+)/, 60000, log_file, env);
  c.port = Number(c.match[1]);
  c.dir = dir;
  c.root = root;
  c.t_spawn = t_spawn;
  return c;
}

export async function stop_fleet(c) {
  if (!c) return;
  await stop_child(c);
  remove_temp_dir(c.dir);
}

// ---------- HTTP ----------

// Keep-alive, as OpenAI clients do; BENCH_NO_KEEPALIVE=1 opens a connection
// per request (a way to show Nagle + delayed-ACK stalls on reused connections).
const agent = new http.Agent({ keepAlive: !process.env.BENCH_NO_KEEPALIVE, maxSockets: 64 });

export function request(port, method, target, body = null, timeout_ms = 30000) {
  return new Promise((resolve, reject) => {
    const data = body == null ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request({ host: '127.0.0.1', port, method, path: target, agent,
      headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
      const parts = [];
      res.on('data', (b) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(timeout_ms, () => req.destroy(new Error(`${method} ${target}: timeout`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

export async function get_json(port, target, timeout_ms = 5000) {
  const r = await request(port, 'GET', target, null, timeout_ms);
  try { return { status: r.status, json: JSON.parse(r.body) }; } catch { return { status: r.status, json: null }; }
}

// promise, or a rejection naming what after ms (its timer cleared either way).
export function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export async function wait_until(pred, timeout_ms, step_ms = 20, what = 'condition') {
  const end = now_ms() + timeout_ms;
  while (true) {
    const v = await pred().catch(() => null);
    if (v) return v;
    if (now_ms() >= end) throw new Error(`timed out after ${timeout_ms} ms waiting for ${what}`);
    await sleep(step_ms);
  }
}

export async function wait_ready(port, n, timeout_ms = 120000, step_ms = 20) {
  return wait_until(async () => {
    const r = await get_json(port, '/health');
    return r.json && r.json.ready_instances >= n ? now_ms() : null;
  }, timeout_ms, step_ms, `${n} ready instances`);
}

// One streamed chat completion; times are ms since the call started.
// ttft = first delta carrying content or reasoning.
export function stream_completion(port, prompt, { model = 'gemini-2.5-pro', timeout_ms = 120000 } = {}) {
  const body = Buffer.from(JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: prompt }] }));
  return new Promise((resolve, reject) => {
    const t0 = now_ms();
    const t0_unix = Date.now();
    let ttft = null;
    let text = '';
    let reasoning = '';
    let buf = '';
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent,
      headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      if (res.statusCode !== 200) {
        const parts = [];
        res.on('data', (b) => parts.push(b));
        res.on('end', () => reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(parts)}`)));
        return;
      }
      res.on('data', (b) => {
        buf += b.toString();
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of ev.split('\n')) {
            if (!line.startsWith('data:')) continue;
            const d = line.slice(5).trim();
            if (d === '[DONE]') continue;
            let j;
            try { j = JSON.parse(d); } catch { continue; }
            if (j.error) { req.destroy(new Error(`stream error: ${JSON.stringify(j.error)}`)); return; }
            const delta = j.choices && j.choices[0] && j.choices[0].delta;
            if (!delta) continue;
            if (delta.content) text += delta.content;
            if (delta.reasoning_content) reasoning += delta.reasoning_content;
            if (ttft == null && (delta.content || delta.reasoning_content)) ttft = now_ms() - t0;
          }
        }
      });
      res.on('end', () => resolve({ total: now_ms() - t0, ttft, text, reasoning, t0_unix }));
      res.on('error', reject);
    });
    req.setTimeout(timeout_ms, () => req.destroy(new Error('completion timeout')));
    req.on('error', reject);
    req.write(body);
    req.end();
  });
}

// n_requests streamed completions by `clients` concurrent clients (prompts
// "<tag> request <i> alpha beta gamma"); requests per second.
export async function load_streams(port, clients, n_requests, tag) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n_requests) {
      const i = next++;
      const r = await stream_completion(port, `${tag} request ${i} alpha beta gamma`);
      if (!r.text) throw new Error('empty answer');
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  return n_requests / ((performance.now() - t0) / 1000);
}

export * from './proc.mjs';

// ---------- statistics and output ----------

export function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const p50 = (xs) => quantile(xs, 0.5);
export const p95 = (xs) => quantile(xs, 0.95);
export const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

export function write_results(name, obj) {
  const dir = path.join(bench_dir, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ name, date: new Date().toISOString(), host: { cpus: os.cpus().length,
    load: os.loadavg() }, ...obj }, null, 2) + '\n');
  return file;
}

export function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) return def;
  const v = process.argv[i + 1];
  return typeof def === 'number' ? Number(v) : v;
}
