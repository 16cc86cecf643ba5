// P7 soak: what a long day of mixed traffic leaves behind. One fleet
// (process mode unless --modes context) serves --requests requests from
// --clients concurrent clients: mostly streams, every 5th a JSON answer,
// every 10th a stream its client drops after the first chunk, every 20th a
// bad body (400). After every --window requests it reads camoufleet's
// resident and anonymous memory, open descriptors and threads, and the
// browsers' anonymous memory per account, and the window's stream latency.
// The first window against the last (same run) says whether anything grows
// with the number of requests served: a leak in camoufleet (requests,
// sinks, cancelled streams), in the page (chats piling up) or in the driver.
//   node bench/p7-soak.mjs [--requests 2000] [--window 250] [--clients 4] [--instances 2]
//     [--collect 1: a full GC in each page before its figures; 0: none] [--modes process]
//     [--browsers chromium,firefox: a soak per kind; Firefox's pages have no
//      heap figure over WebDriver BiDi, their content processes' memory is by
//      process kind]
//     [--recycle 0,500: a soak per --page-recycle-after value, one after
//      another in this run; without it camoufleet's default]
import http from 'node:http';
import fs from 'node:fs';
import { side_args, side_parts, sides } from './isolation.mjs';
import { connect_cdp } from './tools/cdp_client.mjs';
import {
  anon_kb, arg, fleet_pids, fmt, get_json, now_ms, p50, process_kind, request, smaps_rollup_kb, status_field, within, start_fleet, start_sim, stop_child,
  stop_fleet, stream_completion, wait_ready, write_results,
} from './lib.mjs';

const total = Number(arg('requests', 2000));
const window = Number(arg('window', 250));
const clients = Number(arg('clients', 4));
const n = Number(arg('instances', 2));
const modes = sides(['process']);
// 1: a full collection in every page before it is measured (what the page
// holds); 0: none (what it occupies as the browser leaves it).
const collect = Number(arg('collect', 1)) === 1;
// --page-recycle-after per soak (null: camoufleet's default).
const recycles = String(arg('recycle', '')).split(',').filter(Boolean);

const fd_count = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;

// A stream whose client goes away after the first chunk (a closed tab, a
// stopped generation): camoufleet must end the request and free the page.
function dropped_stream(port, prompt) {
  const body = Buffer.from(JSON.stringify({ model: 'gemini-2.5-pro', stream: true,
    messages: [{ role: 'user', content: prompt }] }));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`dropped stream: HTTP ${res.statusCode}`));
      res.once('data', () => { req.destroy(); resolve(); });
    });
    req.setTimeout(120000, () => req.destroy(new Error('dropped stream: timeout')));
    req.on('error', (e) => (e.code === 'ECONNRESET' ? resolve() : reject(e)));
    req.end(body);
  });
}

async function one(port, i, latencies) {
  const prompt = `soak request ${i} alpha beta gamma`;
  if (i % 20 === 7) {
    const r = await request(port, 'POST', '/v1/chat/completions', '{"model": "gemini-2.5-pro", "messages": [');
    if (r.status !== 400) throw new Error(`bad body: HTTP ${r.status} ${r.body}`);
  } else if (i % 10 === 9) {
    await dropped_stream(port, prompt);
  } else if (i % 5 === 4) {
    const r = await request(port, 'POST', '/v1/chat/completions',
      { model: 'gemini-2.5-pro', messages: [{ role: 'user', content: prompt }] }, 120000);
    if (r.status !== 200) throw new Error(`JSON answer: HTTP ${r.status} ${r.body}`);
  } else {
    const r = await stream_completion(port, prompt);
    if (!r.text) throw new Error('empty answer');
    latencies.push(r.total);
  }
}

// Every chat page of the fleet's browsers (one per instance, also when
// contexts share a browser), seen from a second CDP client: its JS heap
// after a full collection (MB) and its DOM nodes, averaged over the pages.
async function page_counters(fleet) {
  const list = (await get_json(fleet.port, '/v1/instances')).json.instances;
  let heap = 0, nodes = 0, pages = 0;
  for (const port of new Set(list.map((i) => i.port))) {
    const v = (await get_json(port, '/json/version')).json;
    const cdp = await connect_cdp(v.webSocketDebuggerUrl);
    try {
      const { targetInfos } = await cdp.call('Target.getTargets');
      for (const tab of targetInfos.filter((t) => t.type === 'page' && t.url.includes('/prompts/'))) {
        const { sessionId } = await cdp.call('Target.attachToTarget', { targetId: tab.targetId, flatten: true });
        // What the page holds, not what it has yet to collect.
        if (collect) await cdp.call('HeapProfiler.collectGarbage', {}, sessionId);
        heap += (await cdp.call('Runtime.getHeapUsage', {}, sessionId)).usedSize / 1048576;
        nodes += (await cdp.call('Memory.getDOMCounters', {}, sessionId)).nodes;
        await cdp.call('Target.detachFromTarget', { sessionId });
        ++pages;
      }
    } finally {
      cdp.close();
    }
  }
  if (pages !== list.length) throw new Error(`${pages} chat pages for ${list.length} instances`);
  return { page_heap_mb: heap / pages, page_dom_nodes: nodes / pages };
}

function sample(fleet) {
  const pids = fleet_pids(fleet).filter((p) => p !== fleet.pid);
  const by_kind = {};
  let browser_anon = 0;
  for (const p of pids) {
    const kb = anon_kb(smaps_rollup_kb(p));
    browser_anon += kb;
    const k = process_kind(p, fleet.pid) || 'other';
    by_kind[k] = (by_kind[k] || 0) + kb / 1024 / n;
  }
  return {
    rss_mb: status_field(fleet.pid, 'VmRSS') / 1024,
    anon_mb: status_field(fleet.pid, 'RssAnon') / 1024,
    fds: fd_count(fleet.pid),
    threads: status_field(fleet.pid, 'Threads'),
    browser_anon_mb_per_account: browser_anon / 1024 / n,
    by_kind,
  };
}

async function soak(sim, side, recycle) {
  const [kind] = side_parts(side);
  const mode = recycle === null ? side : `${side}, --page-recycle-after ${recycle}`;
  const extra = [...side_args(side), ...(recycle === null ? [] : ['--page-recycle-after', recycle])];
  let fleet;
  try {
    fleet = await start_fleet(sim, n, { log_level: arg('log-level', 'info'), log_file: arg('log-file', null), extra });
    await wait_ready(fleet.port, n, 240000);
    const windows = [];
    let next = 0;
    let latencies = [];
    const t0 = now_ms();
    // Windows end when all their requests are done: clients wait at each edge.
    for (let w = 0; next < total; ++w) {
      const end = Math.min(total, next + window);
      const worker = async () => {
        while (next < end) await one(fleet.port, next++, latencies);
      };
      await Promise.all(Array.from({ length: clients }, worker));
      // Let dropped streams' cancels settle before reading memory.
      await wait_ready(fleet.port, n, 60000);
      const pages = kind === 'firefox' ? { page_heap_mb: NaN, page_dom_nodes: NaN }
        : await within(page_counters(fleet), 30000, 'the chat pages over CDP');
      windows.push({ done: end, stream_p50_ms: p50(latencies), ...sample(fleet), ...pages });
      latencies = [];
    }
    const s = (now_ms() - t0) / 1000;
    const a = windows[0], b = windows[windows.length - 1];
    const recycled = (await get_json(fleet.port, '/v1/instances')).json.instances.reduce((t, i) => t + (i.recycles || 0), 0);
    const per_k = (x, y) => ((y - x) * 1000) / Math.max(1, b.done - a.done);
    console.log(`P7 soak (${mode}): ${total} requests (streams, JSON answers, dropped streams, bad bodies) from ${clients} clients over ${n} instances in ${fmt(s)} s, ${recycled} page loads afresh; after request ${a.done} vs after request ${b.done}:`);
    console.log(`  camoufleet RSS ${fmt(a.rss_mb)} -> ${fmt(b.rss_mb)} MB (${fmt(per_k(a.rss_mb, b.rss_mb), 2)} MB per 1000 requests), anonymous ${fmt(a.anon_mb)} -> ${fmt(b.anon_mb)} MB (${fmt(per_k(a.anon_mb, b.anon_mb), 2)}); open descriptors ${a.fds} -> ${b.fds}; threads ${a.threads} -> ${b.threads}`);
    console.log(`  browsers' anonymous memory per account ${fmt(a.browser_anon_mb_per_account)} -> ${fmt(b.browser_anon_mb_per_account)} MB (${fmt(per_k(a.browser_anon_mb_per_account, b.browser_anon_mb_per_account), 2)} per 1000 requests); stream total p50 ${fmt(a.stream_p50_ms)} -> ${fmt(b.stream_p50_ms)} ms (last / first ${fmt(b.stream_p50_ms / a.stream_p50_ms, 2)})`);
    if (kind !== 'firefox') console.log(`  the chat page${collect ? ' (after a full collection)' : ''}: JS heap ${fmt(a.page_heap_mb)} -> ${fmt(b.page_heap_mb)} MB, DOM nodes ${fmt(a.page_dom_nodes, 0)} -> ${fmt(b.page_dom_nodes, 0)}`);
    const kinds = Object.keys(b.by_kind).filter((k) => Math.abs(b.by_kind[k] - (a.by_kind[k] || 0)) >= 0.5);
    console.log(`  per account by process: ${kinds.map((k) => `${k} ${fmt(a.by_kind[k] || 0)} -> ${fmt(b.by_kind[k])} MB`).join(', ') || 'no kind moved by 0.5 MB'}`);
    console.log(`  every window: ${windows.map((x) => `${x.done}: ${fmt(x.rss_mb)} MB, ${x.fds} fds, ${kind === 'firefox' ? `browsers ${fmt(x.browser_anon_mb_per_account)} MB per account` : `page heap ${fmt(x.page_heap_mb)} MB`}, ${fmt(x.stream_p50_ms, 0)} ms`).join('; ')}`);
    return { mode, seconds: s, windows };
  } finally {
    await stop_fleet(fleet);
  }
}

const sim = await start_sim({ first_token_ms: 5, token_ms: 2, tokens: 12 });
const results = [];
try {
  for (const mode of modes)
    for (const r of recycles.length ? recycles : [null]) results.push(await soak(sim, mode, r));
} finally {
  await stop_child(sim);
}
write_results('p7-soak', { total, window, clients, instances: n, results });
