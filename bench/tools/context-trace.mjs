// Where the browser's main thread spends a context's start: one headless
// Chromium (camoufleet's flags), a trace (CDP Tracing) around N contexts
// opened one after another (open_context, as context-cost.mjs), then the complete
// events of the browser process's main thread summed by name (a nested
// event counts inside its parent too: read it as "time under X").
//   node bench/tools/context-trace.mjs [--contexts 4] [--top 40] [--extra-flags "..."]
import fs from 'node:fs';
import { open_context, with_sim_and_chromium } from './cdp_client.mjs';
import { arg } from '../lib.mjs';

const contexts = Number(arg('contexts', 4));
const top = Number(arg('top', 40));
const extra = String(arg('extra-flags', '')).split(' ').filter(Boolean);
const categories = String(arg('categories', 'toplevel,ui,views,browser,navigation,content,loading,startup,shutdown,sequence_manager,devtools,cc,viz,gpu,mojom,ipc,base,disabled-by-default-toplevel.flow'))
  .split(',');

await with_sim_and_chromium('context-trace', contexts, extra, async ({ sim, profiles, browser, call, event }) => {
  await call('Target.setDiscoverTargets', { discover: false });
  const done = event('Tracing.tracingComplete');
  await call('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: categories } });
  const t0 = performance.now();
  for (let i = 0; i < contexts; ++i) {
    const state = JSON.parse(fs.readFileSync(profiles[i], 'utf8'));
    await open_context({ call, event, url: `${sim.url}/prompts/new_chat`, cookies: state.cookies });
  }
  const wall = performance.now() - t0;
  await call('Tracing.end');
  const { stream } = (await done).params;
  let text = '';
  for (;;) {
    const r = await call('IO.read', { handle: stream, size: 1 << 20 });
    text += r.base64Encoded ? Buffer.from(r.data, 'base64').toString() : r.data;
    if (r.eof) break;
  }
  await call('IO.close', { handle: stream });
  const parsed = JSON.parse(text);
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === browser.pid && e.args?.name === 'CrBrowserMain');
  if (!main) throw new Error('no CrBrowserMain in the trace');
  const on_main = events.filter((e) => e.pid === browser.pid && e.tid === main.tid && e.ph === 'X' && e.dur);
  const by_name = new Map();
  for (const e of on_main) {
    const v = by_name.get(e.name) || { ms: 0, n: 0, cpu: 0 };
    v.ms += e.dur / 1000; v.n += 1; v.cpu += (e.tdur || 0) / 1000;
    by_name.set(e.name, v);
  }
  console.log(`context-trace: ${contexts} contexts in ${wall.toFixed(0)} ms; browser main thread, complete events by name (ms per context, wall / thread time, count per context):`);
  for (const [name, v] of [...by_name].sort((a, b) => b[1].ms - a[1].ms).slice(0, top))
    console.log(`  ${(v.ms / contexts).toFixed(1).padStart(7)} / ${(v.cpu / contexts).toFixed(1).padStart(6)}  ${(v.n / contexts).toFixed(1).padStart(6)}x  ${name}`);
});
