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
import { open_context, tab_options, with_sim_and_chromium } from './cdp_client.mjs';
import { arg, cpu_by_kind, cpu_by_thread, descendants } from '../lib.mjs';

const contexts = Number(arg('contexts', 8));
const extra = String(arg('extra-flags', '')).split(' ').filter(Boolean);
const no_network = arg('no-network', null) !== null;  // Network.enable left out
const hidden = arg('hidden', null) !== null;  // Target.createTarget { hidden: true }: a tab without a window

await with_sim_and_chromium('context-cost', contexts, extra, async ({ sim, profiles, browser, call, event }) => {
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
  const target_extra = await tab_options(call, { hidden, minimized: arg('minimized', null) !== null });
  const threads_before = cpu_by_thread(browser.pid);
  for (let i = 0; i < contexts; ++i) {
    const state = JSON.parse(fs.readFileSync(profiles[i], 'utf8'));
    const s = await open_context({ call, event, url: `${sim.url}/prompts/new_chat`, cookies: state.cookies, network: !no_network, target_extra, step });
    await step('page ready (model name shown)', async () => {
      for (;;) {
        const r = await call('Runtime.evaluate', { expression: "!!document.querySelector('[data-test-id=\"model-name\"]')?.textContent" }, s);
        if (r.result.value) break;
        await new Promise((res) => setTimeout(res, 10));
      }
    });
  }
  console.log(`context-cost: ${contexts} contexts one after another, flags: ${extra.join(' ') || '(camoufleet\'s)'}${no_network ? ', no Network.enable' : ''}${hidden ? ', hidden targets' : ''}`);
  const all = {};
  for (const [name, s] of Object.entries(steps)) {
    const cpu = Object.entries(s.cpu).filter(([, v]) => v > 0.001)
      .map(([k, v]) => { all[k] = (all[k] || 0) + v; return `${k} ${(v / contexts * 1000).toFixed(1)}`; });
    console.log(`  ${name}: wall ${(s.wall / contexts).toFixed(1)} ms; CPU ms per context: ${cpu.join(', ') || '-'}`);
  }
  console.log(`  total CPU ms per context: ${Object.entries(all).map(([k, v]) => `${k} ${(v / contexts * 1000).toFixed(1)}`).join(', ')}`);
  // The browser process by thread: its UI thread (CrBrowserMain) runs every
  // context's window and navigation one after another, whatever the cores.
  const threads = cpu_by_thread(browser.pid);
  const by_thread = Object.entries(threads).map(([k, v]) => [k, (v - (threads_before[k] || 0)) / contexts * 1000])
    .filter(([, v]) => v >= 0.5).sort((a, b) => b[1] - a[1]);
  console.log(`  browser process by thread, CPU ms per context: ${by_thread.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
});
