// Where a context's start costs CPU, step by step, without camoufleet: one
// headless Chromium (camoufleet's launch flags, or --flags "..."), then N
// browser contexts opened one after another with the CDP calls camoufleet's
// context session makes (create the context, its tab, attach, enable
// Page/Runtime/Network, cookies, navigate to the simulator's chat page and
// wait for its load event). Prints CPU seconds per step and per kind of
// process (browser main, renderer, gpu, ...), summed over the N contexts,
// and the wall time of each step. A tool for finding where to cut, not a
// figure of its own.
//   node bench/tools/context-cost.mjs [--contexts 8] [--extra-flags "--a --b"]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { arg, cpu_by_kind, descendants, start_sim, stop_child, write_profiles } from '../lib.mjs';

const contexts = Number(arg('contexts', 8));
const extra = String(arg('extra-flags', '')).split(' ').filter(Boolean);
const no_network = arg('no-network', null) !== null;  // Network.enable left out
const chromium = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'context-cost-'));

const flags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--remote-debugging-port=0',
  `--user-data-dir=${dir}/profile`, '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--no-default-browser-check',
  '--disable-crash-reporter', '--disable-breakpad',
  '--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,SpareRendererForSitePerProcess',
  '--enable-features=NetworkServiceInProcess2', '--window-size=1440,900', ...extra, '--no-startup-window'];

let sim = null;
let browser = null;
try {
  sim = await start_sim({ accounts: contexts });
  const profiles = await write_profiles(sim, `${dir}/auth`, contexts);
  browser = spawn(chromium, flags, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const ws_url = await new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error('no DevTools endpoint')), 20000);
    browser.stderr.on('data', (d) => {
      buf += d;
      const m = buf.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
  });
  const ws = new WebSocket(ws_url, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  let next = 1;
  const pending = new Map();
  const waiters = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data);
    if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); return; }
    for (const w of [...waiters]) if (w.match(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  });
  const call = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
    ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
  });
  const event = (method, sessionId) => new Promise((resolve) =>
    waiters.push({ match: (m) => m.method === method && m.sessionId === sessionId, resolve }));

  const steps = {};
  const kinds = () => cpu_by_kind(descendants(browser.pid), -1);
  const step = async (name, fn) => {
    const before = kinds();
    const t0 = performance.now();
    const r = await fn();
    const wall = performance.now() - t0;
    const after = kinds();
    const s = steps[name] || (steps[name] = { wall: 0, cpu: {} });
    s.wall += wall;
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)]))
      s.cpu[k] = (s.cpu[k] || 0) + (after[k] || 0) - (before[k] || 0);
    return r;
  };
  await call('Target.setDiscoverTargets', { discover: false });
  for (let i = 0; i < contexts; ++i) {
    const state = JSON.parse(fs.readFileSync(profiles[i], 'utf8'));
    const ctx = await step('createBrowserContext', () => call('Target.createBrowserContext', { disposeOnDetach: false }));
    const t = await step('createTarget', () => call('Target.createTarget', { url: 'about:blank', browserContextId: ctx.browserContextId }));
    const a = await step('attachToTarget', () => call('Target.attachToTarget', { targetId: t.targetId, flatten: true }));
    const s = a.sessionId;
    await step('enable Page/Runtime/Network', async () => {
      await call('Page.enable', {}, s);
      await call('Runtime.enable', {}, s);
      if (!no_network) await call('Network.enable', {}, s);
    });
    await step('setCookies', () => call('Network.setCookies', { cookies: state.cookies }, s));
    await step('navigate + load', async () => {
      const loaded = event('Page.loadEventFired', s);
      await call('Page.navigate', { url: `${sim.url}/prompts/new_chat` }, s);
      await loaded;
    });
    await step('page ready (model name shown)', async () => {
      for (;;) {
        const r = await call('Runtime.evaluate', { expression: "!!document.querySelector('[data-test-id=\"model-name\"]')?.textContent" }, s);
        if (r.result.value) break;
        await new Promise((res) => setTimeout(res, 10));
      }
    });
  }
  console.log(`context-cost: ${contexts} contexts one after another, flags: ${extra.join(' ') || '(camoufleet\'s)'}${no_network ? ', no Network.enable' : ''}`);
  const all = {};
  for (const [name, s] of Object.entries(steps)) {
    const cpu = Object.entries(s.cpu).filter(([, v]) => v > 0.001)
      .map(([k, v]) => { all[k] = (all[k] || 0) + v; return `${k} ${(v / contexts * 1000).toFixed(1)}`; });
    console.log(`  ${name}: wall ${(s.wall / contexts).toFixed(1)} ms; CPU ms per context: ${cpu.join(', ') || '-'}`);
  }
  console.log(`  total CPU ms per context: ${Object.entries(all).map(([k, v]) => `${k} ${(v / contexts * 1000).toFixed(1)}`).join(', ')}`);
  ws.close();
} finally {
  if (browser) { try { process.kill(-browser.pid, 'SIGKILL'); } catch { /* gone */ } }
  if (sim) await stop_child(sim);
  fs.rmSync(dir, { recursive: true, force: true });
}
