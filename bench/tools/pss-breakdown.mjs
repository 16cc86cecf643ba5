// Where a fleet's browser memory sits: every browser process (by its
// Chromium --type, or "browser"), its PSS and anonymous PSS, summed per kind
// and per account, idle after the start. For memory experiments (P5).
// node bench/tools/pss-breakdown.mjs --instances 8 --modes context
import { isolation_args, isolation_modes } from '../isolation.mjs';
import { arg, anon_kb, process_kind, browser_main_pid, descendants, fmt, get_json, proc_children_map, sleep, smaps_rollup_kb,
  start_fleet, start_sim, stop_child, stop_fleet, wait_ready } from '../lib.mjs';

const n = arg('instances', 8);
const idle_ms = arg('idle-ms', 3000);

async function measure(sim, mode) {
  let fleet;
  try {
    fleet = await start_fleet(sim, n, { extra: isolation_args(mode) });
    await wait_ready(fleet.port, n, 240000);
    await sleep(idle_ms);
    const list = (await get_json(fleet.port, '/v1/instances')).json.instances;
    const kids = proc_children_map();
    const by_kind = new Map();
    const seen = new Set();
    for (const i of list) {
      const pid = browser_main_pid(i.port) ?? i.browser_pid;
      if (!pid || seen.has(pid)) continue;
      seen.add(pid);
      for (const p of descendants(pid, kids)) {
        const r = smaps_rollup_kb(p);
        const k = process_kind(p) ?? 'gone';
        const e = by_kind.get(k) ?? { count: 0, pss: 0, anon: 0 };
        e.count += 1; e.pss += r.Pss ?? 0; e.anon += anon_kb(r);
        by_kind.set(k, e);
      }
    }
    let tp = 0, ta = 0;
    console.log(`${mode}: ${n} accounts, ${seen.size} browser(s)`);
    for (const [k, e] of [...by_kind].sort((a, b) => b[1].pss - a[1].pss)) {
      tp += e.pss; ta += e.anon;
      console.log(`  ${k.padEnd(28)} x${String(e.count).padStart(2)}  PSS ${fmt(e.pss / 1024).padStart(7)} MB  anon ${fmt(e.anon / 1024).padStart(7)} MB  per account ${fmt(e.pss / 1024 / n)} MB`);
    }
    console.log(`  total per account: PSS ${fmt(tp / 1024 / n)} MB, anon ${fmt(ta / 1024 / n)} MB`);
  } finally {
    await stop_fleet(fleet);
  }
}

const sim = await start_sim({ accounts: n });
try {
  for (const m of isolation_modes()) await measure(sim, m);
} finally {
  await stop_child(sim);
}
