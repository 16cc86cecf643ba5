// P5 footprint: camoufleet's RSS idle and under load (VmRSS, sampled every
// 20 ms), and the browser memory per account (PSS summed over each browser
// process and its descendants, from smaps_rollup, over the distinct
// browsers, divided by the accounts), in process and in context isolation
// in one run (--modes), then context / process. --browsers chromium,firefox
// adds camoufleet on firefox-esr, in the same modes (context: the accounts
// as user contexts of a shared Firefox), with its own context / process.
import { isolation_args, isolation_modes } from './isolation.mjs';
import {
  arg, browser_kinds, browser_main_pid, kind_args, descendants, fmt, get_json, p50, proc_children_map, rss_kb, anon_kb, smaps_rollup_kb, sleep, start_fleet,
  start_sim, stop_child, stop_fleet, stream_completion, wait_ready, write_results,
} from './lib.mjs';

const n = arg('instances', 2);
const requests = arg('requests', 8 * n);
const idle_ms = arg('idle-ms', 3000);
const modes = isolation_modes();

function sampler(pid) {
  const xs = [];
  let on = true;
  const done = (async () => {
    while (on) {
      const v = rss_kb(pid);
      if (v != null) xs.push(v);
      await sleep(20);
    }
  })();
  return { stop: async () => { on = false; await done; return xs; } };
}

// Each distinct browser once (in context mode several instances name the
// same one): its pid, processes and PSS.
async function browser_pss(fleet) {
  const list = (await get_json(fleet.port, '/v1/instances')).json.instances;
  const kids = proc_children_map();
  const seen = new Map();
  for (const i of list) {
    // Firefox has no port flag to find it by: the instance names its browser's pid.
    const pid = browser_main_pid(i.port) ?? i.browser_pid;
    if (!pid || seen.has(pid)) continue;
    const pids = descendants(pid, kids);
    seen.set(pid, { pid, instances: list.filter((x) => x.browser_pid === pid).length, processes: pids.length,
      ...sum_rollups(pids.map(smaps_rollup_kb)) });
  }
  return [...seen.values()];
}
// PSS and anonymous memory summed over a browser's processes, one read each.
const sum_rollups = (rollups) => ({
  pss_kb: rollups.reduce((a, r) => a + (r.Pss ?? 0), 0),
  anon_kb: rollups.reduce((a, r) => a + anon_kb(r), 0),
});
const per_account_kb = (browsers) => browsers.reduce((a, b) => a + b.pss_kb, 0) / n;
const per_account_anon_kb = (browsers) => browsers.reduce((a, b) => a + b.anon_kb, 0) / n;

async function measure(sim, mode, kind) {
  let fleet;
  try {
    fleet = await start_fleet(sim, n, { extra: [...isolation_args(mode), ...kind_args(kind)] });
    await wait_ready(fleet.port, n, 240000);
    // One warm-up request per instance so the page has rendered an answer.
    await Promise.all(Array.from({ length: n }, (_, i) => stream_completion(fleet.port, `warm up ${i}`)));

    let s = sampler(fleet.pid);
    await sleep(idle_ms);
    const idle = await s.stop();
    const browsers_idle = await browser_pss(fleet);

    s = sampler(fleet.pid);
    let next = 0;
    const pss_during = [];
    const worker = async () => {
      while (next < requests) {
        const i = next++;
        await stream_completion(fleet.port, `footprint request ${i} one two three`);
        if (i % n === 0) pss_during.push(await browser_pss(fleet));
      }
    };
    await Promise.all(Array.from({ length: 2 * n }, worker));
    const load = await s.stop();

    const mb = (kb) => kb / 1024;
    const summary = {
      server_rss_idle_mb_p50: mb(p50(idle)), server_rss_idle_mb_max: mb(Math.max(...idle)),
      server_rss_load_mb_p50: mb(p50(load)), server_rss_load_mb_max: mb(Math.max(...load)),
      browsers: browsers_idle.length,
      browser_pss_idle_mb_per_account: mb(per_account_kb(browsers_idle)),
      browser_anon_idle_mb_per_account: mb(per_account_anon_kb(browsers_idle)),
      browser_pss_load_mb_per_account_max: mb(Math.max(...pss_during.map(per_account_kb))),
      browser_processes: browsers_idle.reduce((a, b) => a + b.processes, 0),
    };
    const label = kind === 'chromium' ? mode : `${kind}, ${mode}`;
    console.log(`P5 footprint (${label}): server RSS idle ${fmt(summary.server_rss_idle_mb_p50)} MB, under load p50 ${fmt(summary.server_rss_load_mb_p50)}`
      + ` max ${fmt(summary.server_rss_load_mb_max)} MB (${n} instances, ${2 * n} clients, ${requests} requests);`
      + ` browser PSS per account idle ${fmt(summary.browser_pss_idle_mb_per_account)} MB, under load max`
      + ` ${fmt(summary.browser_pss_load_mb_per_account_max)} MB (${summary.browsers} browser(s), ${summary.browser_processes} processes);`
      + ` anonymous + shared memory (no file pages) per account idle ${fmt(summary.browser_anon_idle_mb_per_account)} MB`);
    return { summary, browsers_idle, browsers_load: pss_during, server_rss_kb: { idle, load } };
  } finally {
    await stop_fleet(fleet);
  }
}

let sim;
try {
  sim = await start_sim({ accounts: n });  // user1.. beyond alice, bob, carol
  const results = {};
  const kinds = browser_kinds();
  const prefix = (kind) => (kind === 'chromium' ? '' : `${kind}/`);
  for (const kind of kinds) for (const m of modes) results[`${prefix(kind)}${m}`] = await measure(sim, m, kind);
  // context / process for one kind's results (keys prefix + 'process', prefix + 'context').
  const ratio_line = (prefix, label) => {
    const p = results[`${prefix}process`], c = results[`${prefix}context`];
    if (!p || !c) return;
    const r = (k) => c.summary[k] / p.summary[k];
    const idle = r('browser_pss_idle_mb_per_account');
    console.log(`P5 footprint: ${label}browser memory per account, context / process = ${fmt(idle, 2)} idle,`
      + ` ${fmt(r('browser_pss_load_mb_per_account_max'), 2)} under load (${n} accounts); target <= 0.40: ${idle <= 0.4 ? 'MET' : 'MISSED'};`
      + ` without file pages ${fmt(r('browser_anon_idle_mb_per_account'), 2)}`);
  };
  for (const kind of kinds) ratio_line(prefix(kind), kind === 'chromium' ? '' : `${kind}, `);
  // The headless shell's context mode against Chromium's process mode: a
  // fleet moving from a browser each to contexts of the lighter Chromium.
  if (results.process && results['shell/context']) {
    const r = (k) => results['shell/context'].summary[k] / results.process.summary[k];
    console.log(`P5 footprint: shell context mode / chromium process mode = ${fmt(r('browser_pss_idle_mb_per_account'), 2)}`
      + ` browser memory per account idle, ${fmt(r('browser_anon_idle_mb_per_account'), 2)} without file pages`);
  }
  if (results.process && results['firefox/process']) {
    const r = (k) => results['firefox/process'].summary[k] / results.process.summary[k];
    console.log(`P5 footprint: firefox / chromium (process mode) = ${fmt(r('browser_pss_idle_mb_per_account'), 2)} browser memory`
      + ` per account idle, ${fmt(r('server_rss_load_mb_p50'), 2)} server RSS under load`);
  }
  const file = write_results('p5-footprint', { instances: n, requests, modes, browsers: kinds, results });
  console.log(`  results: ${file}`);
} finally {
  await stop_child(sim);
}
