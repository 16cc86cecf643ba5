// Where a context's memory goes, stage by stage, without camoufleet: one
// headless Chromium (camoufleet's launch flags, or --extra-flags "..."), then
// N browser contexts; after each stage (N contexts created, each with an
// about:blank tab, each tab on the simulator's chat page with its cookies)
// the PSS and anonymous PSS per kind of process. The per-context deltas say
// what one more account costs in context mode and which process holds it.
//   [CHROMIUM_BIN=/usr/bin/chromium-headless-shell] node bench/tools/context-memory.mjs [--contexts 8]
//     [--extra-flags "--a --b"] [--settle-ms 2000] [--minimize 1: then every window minimized, once more]
import fs from 'node:fs';
import { tab_options, with_sim_and_chromium } from './cdp_client.mjs';
import { anon_kb, arg, descendants, fmt, process_kind, sleep, smaps_rollup_kb } from '../lib.mjs';

const contexts = Number(arg('contexts', 8));
const extra = String(arg('extra-flags', '')).split(' ').filter(Boolean);
const settle_ms = Number(arg('settle-ms', 2000));
// --hidden 1: tabs made with Target.createTarget { hidden: true } (no window;
// Chromium wants one frame target first, an about:blank tab counted in the
// browser's own figure).
const hidden = arg('hidden', null) !== null;

// kind -> { n, pss, anon } in MB over the browser and its descendants.
function memory_by_kind(pid) {
  const out = {};
  for (const p of descendants(pid)) {
    const k = process_kind(p);
    if (!k) continue;
    const r = smaps_rollup_kb(p);
    const e = out[k] || (out[k] = { n: 0, pss: 0, anon: 0 });
    e.n += 1;
    e.pss += (r.Pss ?? 0) / 1024;
    e.anon += anon_kb(r) / 1024;
  }
  return out;
}

const total = (m) => Object.values(m).reduce((a, e) => ({ pss: a.pss + e.pss, anon: a.anon + e.anon }), { pss: 0, anon: 0 });

function report(name, now, before) {
  const kinds = [...new Set([...Object.keys(now), ...Object.keys(before)])];
  const d = (k, f) => ((now[k]?.[f] ?? 0) - (before[k]?.[f] ?? 0)) / contexts;
  const parts = kinds.map((k) => `${k} ${fmt(d(k, 'pss'))}/${fmt(d(k, 'anon'))}`);
  const t = total(now), b = total(before);
  console.log(`  ${name}: per context ${fmt((t.pss - b.pss) / contexts)} MB PSS, ${fmt((t.anon - b.anon) / contexts)} anon (by process, PSS/anon: ${parts.join(', ')})`);
}

await with_sim_and_chromium('context-memory', contexts, extra, async ({ sim, profiles, browser, call, event }) => {
  const settle = async () => { await sleep(settle_ms); return memory_by_kind(browser.pid); };
  console.log(`context-memory: ${contexts} contexts, flags: ${extra.join(' ') || '(camoufleet\'s)'}${hidden ? ', hidden targets' : ''}`);
  const target_extra = await tab_options(call, { hidden });
  const m0 = await settle();
  const t0 = total(m0);
  console.log(`  the browser alone: ${fmt(t0.pss)} MB PSS, ${fmt(t0.anon)} anon`);
  const ctxs = [];
  for (let i = 0; i < contexts; ++i) ctxs.push((await call('Target.createBrowserContext', { disposeOnDetach: false })).browserContextId);
  const m1 = await settle();
  report('the contexts, no tab', m1, m0);
  const sessions = [];
  for (const id of ctxs) {
    const t = await call('Target.createTarget', { url: 'about:blank', browserContextId: id, ...target_extra });
    const a = await call('Target.attachToTarget', { targetId: t.targetId, flatten: true });
    await call('Page.enable', {}, a.sessionId);
    await call('Runtime.enable', {}, a.sessionId);
    await call('Network.enable', {}, a.sessionId);
    sessions.push(a.sessionId);
  }
  const m2 = await settle();
  report('an about:blank tab each', m2, m1);
  for (let i = 0; i < contexts; ++i) {
    const s = sessions[i];
    const state = JSON.parse(fs.readFileSync(profiles[i], 'utf8'));
    await call('Network.setCookies', { cookies: state.cookies }, s);
    const loaded = event('Page.loadEventFired', s);
    await call('Page.navigate', { url: `${sim.url}/prompts/new_chat` }, s);
    await loaded;
  }
  const m3 = await settle();
  report('the chat page in each tab', m3, m2);
  report('in all', m3, m0);
  if (arg('minimize', null) !== null) {
    for (const s of sessions) {
      const w = await call('Browser.getWindowForTarget', {}, s);
      await call('Browser.setWindowBounds', { windowId: w.windowId, bounds: { windowState: 'minimized' } });
    }
    const m4 = await settle();
    report('every window minimized', m4, m3);
  }
  const t3 = total(m3);
  console.log(`  browser with ${contexts} contexts: ${fmt(t3.pss)} MB PSS (${fmt(t3.pss / contexts)} per context), ${fmt(t3.anon)} anon`);
});
