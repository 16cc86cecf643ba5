// P5 footprint: camoufleet's RSS idle and under load (VmRSS, sampled every
// 20 ms), and each instance's browser memory (PSS summed over the browser
// process and its descendants, from smaps_rollup).
import {
  arg, browser_main_pid, descendants, fmt, get_json, p50, proc_children_map, pss_kb, rss_kb, sleep, start_fleet,
  start_sim, stop_child, stop_fleet, stream_completion, wait_ready, write_results,
} from './lib.mjs';

const n = arg('instances', 2);
const requests = arg('requests', 8 * n);
const idle_ms = arg('idle-ms', 3000);

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

async function browser_pss() {
  const list = (await get_json(fleet.port, '/v1/instances')).json.instances;
  const kids = proc_children_map();
  return list.map((i) => {
    // Firefox (BENCH_FLEET_ARGS="--browser-kind firefox") has no port flag
    // to find it by: the instance names its browser's pid.
    const pid = browser_main_pid(i.port) ?? i.browser_pid;
    const pids = pid ? descendants(pid, kids) : [];
    return { id: i.id, pid, processes: pids.length, pss_kb: pids.reduce((a, p) => a + pss_kb(p), 0) };
  });
}

let sim, fleet;
try {
  sim = await start_sim();
  fleet = await start_fleet(sim, n);
  await wait_ready(fleet.port, n);
  // One warm-up request per instance so the page has rendered an answer.
  await Promise.all(Array.from({ length: n }, (_, i) => stream_completion(fleet.port, `warm up ${i}`)));

  let s = sampler(fleet.pid);
  await sleep(idle_ms);
  const idle = await s.stop();
  const browsers_idle = await browser_pss();

  s = sampler(fleet.pid);
  let next = 0;
  const pss_during = [];
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      await stream_completion(fleet.port, `footprint request ${i} one two three`);
      if (i % n === 0) pss_during.push(await browser_pss());
    }
  };
  await Promise.all(Array.from({ length: 2 * n }, worker));
  const load = await s.stop();

  const mb = (kb) => kb / 1024;
  const summary = {
    server_rss_idle_mb_p50: mb(p50(idle)), server_rss_idle_mb_max: mb(Math.max(...idle)),
    server_rss_load_mb_p50: mb(p50(load)), server_rss_load_mb_max: mb(Math.max(...load)),
    browser_pss_idle_mb_per_instance: mb(p50(browsers_idle.map((b) => b.pss_kb))),
    browser_pss_load_mb_per_instance_max: mb(Math.max(...pss_during.flat().map((b) => b.pss_kb))),
    browser_processes_per_instance: p50(browsers_idle.map((b) => b.processes)),
  };
  console.log(`P5 footprint: server RSS idle ${fmt(summary.server_rss_idle_mb_p50)} MB, under load p50 ${fmt(summary.server_rss_load_mb_p50)}`
    + ` max ${fmt(summary.server_rss_load_mb_max)} MB (${n} instances, ${2 * n} clients, ${requests} requests);`
    + ` browser PSS per instance idle ${fmt(summary.browser_pss_idle_mb_per_instance)} MB, under load max`
    + ` ${fmt(summary.browser_pss_load_mb_per_instance_max)} MB (${summary.browser_processes_per_instance} processes each)`);
  const file = write_results('p5-footprint', { instances: n, requests, summary, browsers_idle, browsers_load: pss_during,
    server_rss_kb: { idle, load } });
  console.log(`  results: ${file}`);
} finally {
  await stop_fleet(fleet);
  await stop_child(sim);
}
