// A bare headless Chromium with camoufleet's launch flags (plus extra) and
// one CDP connection to it, for the bench tools that measure a context
// without camoufleet (context-cost.mjs, context-memory.mjs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { start_sim, stop_child, write_profiles } from '../lib.mjs';

export const camoufleet_flags = (dir) => ['--headless=new', '--no-sandbox', '--disable-gpu', '--remote-debugging-port=0',
  `--user-data-dir=${dir}/profile`, '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--no-default-browser-check',
  '--disable-crash-reporter', '--disable-breakpad',
  '--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,SpareRendererForSitePerProcess',
  '--enable-features=NetworkServiceInProcess2', '--window-size=1440,900'];

// { browser, call(method, params, sessionId), event(method, sessionId), close() }
export async function launch_chromium(chromium, dir, extra = []) {
  const flags = [...camoufleet_flags(dir), ...extra, '--no-startup-window'];
  const browser = spawn(chromium, flags, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const kill = () => { try { process.kill(-browser.pid, 'SIGKILL'); } catch { /* gone */ } };
  try {
    const ws_url = await new Promise((resolve, reject) => {
      let buf = '';
      const t = setTimeout(() => reject(new Error('no DevTools endpoint')), 20000);
      browser.stderr.on('data', (d) => {
        buf += d;
        const m = buf.match(/DevTools listening on (ws:\/\/\S+)/);
        if (m) { clearTimeout(t); resolve(m[1]); }
      });
    });
    const cdp = await connect_cdp(ws_url);
    return { browser, call: cdp.call, event: cdp.event, close: () => { cdp.close(); kill(); } };
  } catch (e) {
    kill();
    throw e;
  }
}

// One CDP connection to a browser's websocket endpoint (no per-call
// deadline: the caller bounds the whole exchange):
// { call(method, params, sessionId), event(method, sessionId), close() }.
export async function connect_cdp(ws_url) {
  const ws = new WebSocket(ws_url, { perMessageDeflate: false });
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
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
  // A lost connection fails what is pending (an 'error' without a listener
  // would end the process).
  const fail_pending = (why) => {
    for (const settle of pending.values()) settle({ error: { message: why } });
    pending.clear();
  };
  ws.on('error', (e) => fail_pending(`connection error: ${e.message}`));
  ws.on('close', () => fail_pending('connection closed'));
  return { call, event, close: () => ws.close() };
}

// One account's context as camoufleet's context session opens it: the
// context, its tab, attach, Page/Runtime(/Network) enabled, the profile's
// cookies, the chat page loaded. step(name, fn) wraps each step (to time
// it); returns the tab's CDP session id.
export async function open_context({ call, event, url, cookies, network = true, target_extra = {}, step = (name, fn) => fn() }) {
  const ctx = await step('createBrowserContext', () => call('Target.createBrowserContext', { disposeOnDetach: false }));
  const t = await step('createTarget', () => call('Target.createTarget', { url: 'about:blank', browserContextId: ctx.browserContextId, ...target_extra }));
  const { sessionId: s } = await step('attachToTarget', () => call('Target.attachToTarget', { targetId: t.targetId, flatten: true }));
  await step('enable Page/Runtime/Network', async () => {
    await call('Page.enable', {}, s);
    await call('Runtime.enable', {}, s);
    if (network) await call('Network.enable', {}, s);
  });
  await step('setCookies', () => call('Network.setCookies', { cookies }, s));
  await step('navigate + load', async () => {
    const loaded = event('Page.loadEventFired', s);
    await call('Page.navigate', { url }, s);
    await loaded;
  });
  return s;
}

// How the tools may open a context's tab instead of in a window of its own
// (camoufleet's way): Target.createTarget's extra parameters for a hidden
// target (no window) or a minimized window. Chromium creates a hidden
// target only while some frame target exists: an about:blank tab is made
// first for it.
export async function tab_options(call, { hidden = false, minimized = false }) {
  if (hidden) await call('Target.createTarget', { url: 'about:blank' });
  return hidden ? { hidden: true } : minimized ? { newWindow: true, windowState: 'minimized' } : {};
}

// The tools' frame: a simulator with `contexts` accounts and their
// storageState files, a bare Chromium (CHROMIUM_BIN, or Debian's), then
// body({ sim, profiles, browser, call, event }); everything stopped and
// removed after, whatever happens.
export async function with_sim_and_chromium(tag, contexts, extra, body) {
  const chromium = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${tag}-`));
  let sim = null;
  let cdp = null;
  try {
    sim = await start_sim({ accounts: contexts });
    const profiles = await write_profiles(sim, `${dir}/auth`, contexts);
    cdp = await launch_chromium(chromium, dir, extra);
    return await body({ sim, profiles, browser: cdp.browser, call: cdp.call, event: cdp.event });
  } finally {
    if (cdp) cdp.close();
    if (sim) await stop_child(sim);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
