// P3 start: from process start to /health showing all instances ready,
// for 1 and for 4 instances, in process isolation (a browser per profile)
// and in context isolation (profiles as contexts of one shared browser),
// alternating starts so noise hits every side. --browsers chromium,firefox
// measures each mode on each kind (firefox-esr: context mode shares a
// Firefox, one user context per profile).
import os from 'node:os';
import { side_args, sides } from './isolation.mjs';
import { arg, cpu_by_kind, cpu_seconds, fleet_pids, fmt, now_ms, p50, p95, start_fleet, start_sim, stop_child, stop_fleet, wait_ready, write_results } from './lib.mjs';

const rounds = arg('rounds', 3);
const big = arg('instances', 4);
// The sides measured: a mode on a kind ("process", "context" on Chromium;
// "firefox/process", "firefox/context").
const modes = sides();

let sim;
let fleet = null;
try {
  sim = await start_sim({ accounts: big });
  const empty = () => ({ 1: [], [big]: [] });
  const times = {}, listen = {}, cpu = {}, kinds = {};
  for (const m of modes) { times[m] = empty(); listen[m] = empty(); cpu[m] = empty(); kinds[m] = empty(); }
  for (let r = 0; r < rounds; ++r) {
    const order = r % 2 ? [big, 1] : [1, big];
    for (const m of (r % 2 ? [...modes].reverse() : modes)) {
      for (const n of order) {
        const log = arg('log-dir', null);
        fleet = await start_fleet(sim, n, { log_file: log && `${log}/p3-r${r}-${m.replace('/', '-')}-n${n}.log`, extra: side_args(m) });
        listen[m][n].push(now_ms() - fleet.t_spawn);
        const t_ready = await wait_ready(fleet.port, n, 180000, 10);
        times[m][n].push(t_ready - fleet.t_spawn);
        // CPU the start cost (camoufleet + its browsers): on C cores, N starts
        // cannot take less wall time than N x this / C.
        const pids = fleet_pids(fleet);
        cpu[m][n].push(cpu_seconds(pids));
        kinds[m][n].push(cpu_by_kind(pids, fleet.pid));
        await stop_fleet(fleet);
        fleet = null;
      }
    }
  }
  const summary = {};
  for (const m of modes) {
    const t = times[m];
    const ratio = p50(t[big]) / p50(t[1]);
    const ratios = t[big].map((x, i) => x / t[1][i]);
    summary[m] = { ratio_p50: ratio, ratio_p95_of_rounds: p95(ratios), target_met: ratio <= 1.5 };
    console.log(`P3 start (${m}): ready(${big})/ready(1) = ${fmt(ratio, 2)} (p50 ${fmt(p50(t[big]), 0)} ms vs ${fmt(p50(t[1]), 0)} ms;`
      + ` per-round ratios ${ratios.map((x) => fmt(x, 2)).join(' ')}; ${rounds} rounds); target <= 1.5: ${ratio <= 1.5 ? 'MET' : 'MISSED'}`);
    console.log(`  CPU to ready (camoufleet + browsers, ${m}) p50: ${fmt(p50(cpu[m][1]), 2)} s for 1, ${fmt(p50(cpu[m][big]), 2)} s for ${big}`);
    // Where it went: p50 per kind of process, for 1 and for N.
    const names = [...new Set([...kinds[m][1], ...kinds[m][big]].flatMap((k) => Object.keys(k)))].sort();
    const per = (n, k) => fmt(p50(kinds[m][n].map((x) => x[k] || 0)), 2);
    console.log(`  by process (s, 1 / ${big}): ${names.map((k) => `${k} ${per(1, k)} / ${per(big, k)}`).join('; ')}`);
  }
  console.log(`  ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`);
  const file = write_results('p3-start', { cpu_seconds: cpu, cpu_by_kind: kinds, rounds, instances: big, modes, ready_ms: times, listening_ms: listen, summary });
  console.log(`  results: ${file}`);
} finally {
  await stop_fleet(fleet);
  await stop_child(sim);
}
