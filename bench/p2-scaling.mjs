// P2 scaling: throughput with 1, 2, 3, 4 instances under 2×N concurrent
// clients. All four fleets run at once (idle browsers cost little CPU) and
// the measurements go round-robin over them, so noise hits every N alike.
import {
  arg, fmt, load_streams, p50, start_fleet, start_sim, stop_child, stop_fleet, wait_ready, write_results,
} from './lib.mjs';

const sizes = String(arg('sizes', '1,2,3,4')).split(',').map(Number);
const rounds = arg('rounds', 3);
const per_instance = arg('requests-per-instance', 6);
const pacing = { first_token_ms: arg('first-token-ms', 50), token_ms: arg('token-ms', 20), tokens: arg('tokens', 24) };

const load = (port, clients, n_requests, tag) => load_streams(port, clients, n_requests, `scaling ${tag}`);

const fleets = new Map();
let sim;
try {
  sim = await start_sim({ ...pacing, accounts: Math.max(...sizes) * sizes.length });
  // Start the fleets one after another: starting 10 browsers at once on 2
  // cores only makes the start slow, it changes nothing measured here.
  let first = 0;
  for (const n of sizes) {
    const f = await start_fleet(sim, n, { first });
    first += n;
    await wait_ready(f.port, n, 180000);
    fleets.set(n, f);
  }
  // Warm-up: every instance serves once.
  for (const n of sizes) await load(fleets.get(n).port, n, n, `warm${n}`);

  const tput = Object.fromEntries(sizes.map((n) => [n, []]));
  for (let r = 0; r < rounds; ++r) {
    const order = r % 2 ? [...sizes].reverse() : sizes;
    for (const n of order) {
      const t = await load(fleets.get(n).port, 2 * n, per_instance * n, `r${r}n${n}`);
      tput[n].push(t);
    }
  }
  const base = p50(tput[1] || tput[sizes[0]]);
  const efficiency = {};
  for (const n of sizes) efficiency[n] = p50(tput[n]) / (n * base);
  const worst = Math.min(...sizes.map((n) => efficiency[n]));
  console.log(`P2 scaling: throughput(N)/(N*throughput(1)) = ${sizes.map((n) => `N=${n}: ${fmt(efficiency[n], 2)}`).join(', ')}`
    + ` (req/s p50: ${sizes.map((n) => fmt(p50(tput[n]), 2)).join(' / ')}; ${rounds} rounds, 2N clients, ${per_instance}N requests);`
    + ` target >= 0.9: ${worst >= 0.9 ? 'MET' : 'MISSED'}`);
  const file = write_results('p2-scaling', { pacing, rounds, per_instance, throughput_rps: tput, efficiency,
    target_met: worst >= 0.9 });
  console.log(`  results: ${file}`);
} finally {
  for (const f of fleets.values()) await stop_fleet(f);
  await stop_child(sim);
}
