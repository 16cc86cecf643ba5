// P2 scaling: throughput with 1, 2, 3, 4 instances under 2×N concurrent
// clients. All four fleets run at once (idle browsers cost little CPU) and
// the measurements go round-robin over them, so noise hits every N alike.
// --modes process,context (default: both, issue 21) runs the same sizes in
// each isolation mode, side by side in the same rounds: a line per mode.
import { isolation_args, isolation_modes } from './isolation.mjs';
import {
  arg, fmt, load_streams, p50, start_fleet, start_sim, stop_child, stop_fleet, wait_ready, write_results,
} from './lib.mjs';

const sizes = String(arg('sizes', '1,2,3,4')).split(',').map(Number);
const rounds = arg('rounds', 3);
const per_instance = arg('requests-per-instance', 6);
const pacing = { first_token_ms: arg('first-token-ms', 50), token_ms: arg('token-ms', 20), tokens: arg('tokens', 24) };

const modes = isolation_modes();
const key = (mode, n) => `${mode}:${n}`;
const load = (port, clients, n_requests, tag) => load_streams(port, clients, n_requests, `scaling ${tag}`);

const fleets = new Map();
let sim;
try {
  const accounts = sizes.reduce((a, n) => a + n, 0) * modes.length;
  sim = await start_sim({ ...pacing, accounts: Math.max(accounts, 3) });
  // Start the fleets one after another: starting 10 browsers at once on 2
  // cores only makes the start slow, it changes nothing measured here.
  let first = 0;
  const cells = modes.flatMap((mode) => sizes.map((n) => ({ mode, n })));
  for (const { mode, n } of cells) {
    const f = await start_fleet(sim, n, { first, extra: isolation_args(mode) });
    first += n;
    await wait_ready(f.port, n, 180000);
    fleets.set(key(mode, n), f);
  }
  // Warm-up: every instance serves once.
  for (const { mode, n } of cells) await load(fleets.get(key(mode, n)).port, n, n, `warm${mode}${n}`);

  const tput = Object.fromEntries(cells.map(({ mode, n }) => [key(mode, n), []]));
  for (let r = 0; r < rounds; ++r) {
    const order = r % 2 ? [...cells].reverse() : cells;
    for (const { mode, n } of order) {
      const t = await load(fleets.get(key(mode, n)).port, 2 * n, per_instance * n, `r${r}${mode}n${n}`);
      tput[key(mode, n)].push(t);
    }
  }
  const efficiency = {};
  let all_met = true;
  for (const mode of modes) {
    const base = p50(tput[key(mode, sizes.includes(1) ? 1 : sizes[0])]);
    const eff = Object.fromEntries(sizes.map((n) => [n, p50(tput[key(mode, n)]) / (n * base)]));
    efficiency[mode] = eff;
    const worst = Math.min(...sizes.map((n) => eff[n]));
    all_met = all_met && worst >= 0.9;
    console.log(`P2 scaling (${mode}): throughput(N)/(N*throughput(1)) = ${sizes.map((n) => `N=${n}: ${fmt(eff[n], 2)}`).join(', ')}`
      + ` (req/s p50: ${sizes.map((n) => fmt(p50(tput[key(mode, n)]), 2)).join(' / ')}; ${rounds} rounds, 2N clients, ${per_instance}N requests);`
      + ` target >= 0.9: ${worst >= 0.9 ? 'MET' : 'MISSED'}`);
  }
  const file = write_results('p2-scaling', { pacing, rounds, per_instance, modes, throughput_rps: tput, efficiency,
    target_met: all_met });
  console.log(`  results: ${file}`);
} finally {
  for (const f of fleets.values()) await stop_fleet(f);
  await stop_child(sim);
}
