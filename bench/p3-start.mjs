// P3 start: from process start to /health showing all instances ready,
// for 1 and for 4 instances, alternating starts so noise hits both.
import os from 'node:os';
import { arg, cpu_seconds, fleet_pids, fmt, now_ms, p50, p95, start_fleet, start_sim, stop_child, stop_fleet, wait_ready, write_results } from './lib.mjs';

const rounds = arg('rounds', 3);
const big = arg('instances', 4);

let sim;
let fleet = null;
try {
  sim = await start_sim({ accounts: big });
  const times = { 1: [], [big]: [] };
  const listen = { 1: [], [big]: [] };
  const cpu = { 1: [], [big]: [] };
  for (let r = 0; r < rounds; ++r) {
    const order = r % 2 ? [big, 1] : [1, big];
    for (const n of order) {
      const log = arg('log-dir', null);
      fleet = await start_fleet(sim, n, { log_file: log && `${log}/p3-r${r}-n${n}.log` });
      listen[n].push(now_ms() - fleet.t_spawn);
      const t_ready = await wait_ready(fleet.port, n, 180000, 10);
      times[n].push(t_ready - fleet.t_spawn);
      // CPU the start cost (camoufleet + its browsers): on C cores, N starts
      // cannot take less wall time than N x this / C.
      cpu[n].push(cpu_seconds(fleet_pids(fleet)));
      await stop_fleet(fleet);
      fleet = null;
    }
  }
  const ratio = p50(times[big]) / p50(times[1]);
  const ratios = times[big].map((t, i) => t / times[1][i]);
  console.log(`P3 start: ready(${big})/ready(1) = ${fmt(ratio, 2)} (p50 ${fmt(p50(times[big]), 0)} ms vs ${fmt(p50(times[1]), 0)} ms;`
    + ` per-round ratios ${ratios.map((x) => fmt(x, 2)).join(' ')}; ${rounds} rounds); target <= 1.5: ${ratio <= 1.5 ? 'MET' : 'MISSED'}`);
  console.log(`  CPU to ready (camoufleet + browsers) p50: ${fmt(p50(cpu[1]), 2)} s for 1, ${fmt(p50(cpu[big]), 2)} s for ${big};`
    + ` ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`);
  const file = write_results('p3-start', { cpu_seconds: cpu, rounds, instances: big, ready_ms: times, listening_ms: listen, ratio_p50: ratio,
    ratio_p95_of_rounds: p95(ratios), target_met: ratio <= 1.5 });
  console.log(`  results: ${file}`);
} finally {
  await stop_fleet(fleet);
  await stop_child(sim);
}
