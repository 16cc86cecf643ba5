// P6 nodes (issue 19): the same N instances once all in one camoufleet and
// once spread over two `camoufleet node` processes joined to a head over
// CAF's middleman. Side by side in one run, interleaved: the throughput
// ratio (nodes ÷ one process, target >= 0.95) and the latency a remote
// instance adds over a local one (p50 of total time and TTFT, one request at
// a time, target <= 2 ms: the median of the pair differences). For the
// latency alone, a fast simulator resolves it best:
//   node bench/p6-nodes.mjs --rounds 1 --pairs 100 --first-token-ms 0 --token-ms 1 --tokens 4
import fs from 'node:fs';
import path from 'node:path';
import {
  account_names, arg, camoufleet_bin, fmt, load_streams, make_temp_dir, p50, quantile, remove_temp_dir, start_child, start_fleet, start_sim,
  stop_child, stop_fleet, stream_completion, wait_ready, write_profiles, write_results,
} from './lib.mjs';

const n = arg('instances', 2);
const rounds = arg('rounds', 3);
const per_instance = arg('requests-per-instance', 6);
const pairs = arg('pairs', 20);
const pacing = { first_token_ms: arg('first-token-ms', 50), token_ms: arg('token-ms', 20), tokens: arg('tokens', 24) };

const load = (port, clients, n_requests, tag) => load_streams(port, clients, n_requests, `nodes ${tag}`);

// A head with no instances of its own and two nodes with n/2 (and n - n/2)
// accounts, starting at account `first`.
async function start_cluster(sim, first) {
  const dir = make_temp_dir('camoufleet-bench-nodes-');
  const all = path.join(dir, 'all');
  await write_profiles(sim, all, Math.max(first + n, 3));
  const names = account_names(first + n).slice(first);
  const head_auth = path.join(dir, 'head-auth');
  fs.mkdirSync(head_auth, { mode: 0o700 });
  const root = path.join(dir, 'profiles');
  fs.mkdirSync(root);
  const cluster = { dir, nodes: [] };
  cluster.head = await start_child('camoufleet head', camoufleet_bin,
    ['--multi', '--headless', '--port', '0', '--auth-dir', head_auth, '--site-url', `${sim.url}/prompts/new_chat`,
      '--profile-root', root, '--log-level', 'info', '--node-listen', '127.0.0.1:0'],
    /camoufleet nodes join on [0-9.]+:(\d+)\ncamoufleet listening on http:\/\/[0-9.]+:(\d+)/, 60000);
  const node_port = Number(cluster.head.match[1]);
  cluster.port = Number(cluster.head.match[2]);
  const halves = [names.slice(0, Math.floor(n / 2)), names.slice(Math.floor(n / 2))];
  for (const [k, part] of halves.entries()) {
    const auth = path.join(dir, `auth-${k}`);
    fs.mkdirSync(auth, { mode: 0o700 });
    for (const a of part) {
      fs.copyFileSync(path.join(all, `${a}.json`), path.join(auth, `${a}.json`));
      fs.chmodSync(path.join(auth, `${a}.json`), 0o600);
    }
    cluster.nodes.push(await start_child(`camoufleet node ${k}`, camoufleet_bin,
      ['node', '--head', `127.0.0.1:${node_port}`, '--node-id', `bench-${k}`, '--headless', '--auth-dir', auth,
        '--site-url', `${sim.url}/prompts/new_chat`, '--profile-root', root, '--log-level', 'info',
        '--base-port', String(9600 + 100 * k)],
      /camoufleet node \S+ joining/, 60000));
  }
  return cluster;
}

async function stop_cluster(c) {
  if (!c) return;
  for (const node of c.nodes) await stop_child(node);
  await stop_child(c.head);
  remove_temp_dir(c.dir);
}

let sim;
let local;
let remote;
try {
  sim = await start_sim({ ...pacing, accounts: 2 * n });
  local = await start_fleet(sim, n, { first: 0 });
  await wait_ready(local.port, n, 180000);
  remote = await start_cluster(sim, n);
  await wait_ready(remote.port, n, 180000);
  for (const f of [local, remote]) await load(f.port, n, n, 'warm');

  const tput = { local: [], nodes: [] };
  for (let r = 0; r < rounds; ++r) {
    const order = r % 2 ? ['nodes', 'local'] : ['local', 'nodes'];
    for (const side of order) {
      const port = side === 'local' ? local.port : remote.port;
      tput[side].push(await load(port, 2 * n, per_instance * n, `r${r}${side}`));
    }
  }
  const lat = { local: { total: [], ttft: [] }, nodes: { total: [], ttft: [] } };
  for (let i = 0; i < pairs; ++i) {
    const order = i % 2 ? ['nodes', 'local'] : ['local', 'nodes'];
    for (const side of order) {
      const r = await stream_completion(side === 'local' ? local.port : remote.port, `latency pair ${i} ${side}`);
      lat[side].total.push(r.total);
      lat[side].ttft.push(r.ttft);
    }
  }
  const ratio = p50(tput.nodes) / p50(tput.local);
  // The hop's cost is the median of the per-pair differences (each pair runs
  // back to back, so slow drifts of the machine cancel out), with the middle
  // half of the differences as its spread.
  const diffs = (k) => lat.nodes[k].map((x, i) => x - lat.local[k][i]);
  const added_total = p50(diffs('total'));
  const added_ttft = p50(diffs('ttft'));
  const spread = (k) => `${fmt(quantile(diffs(k), 0.25), 1)}..${fmt(quantile(diffs(k), 0.75), 1)}`;
  console.log(`P6 nodes: throughput, ${n} instances over two nodes / all in one process = ${fmt(ratio, 3)}`
    + ` (req/s p50: ${fmt(p50(tput.nodes), 2)} vs ${fmt(p50(tput.local), 2)}; ${rounds} rounds, ${2 * n} clients,`
    + ` ${per_instance * n} requests); target >= 0.95: ${ratio >= 0.95 ? 'MET' : 'MISSED'}`);
  console.log(`P6 nodes: latency a remote instance adds, p50 total ${fmt(added_total, 2)} ms`
    + ` (pair differences p25..p75 ${spread('total')} ms; ${fmt(p50(lat.nodes.total), 1)} vs ${fmt(p50(lat.local.total), 1)} ms),`
    + ` p50 TTFT ${fmt(added_ttft, 2)} ms (p25..p75 ${spread('ttft')} ms)`
    + ` (${pairs} alternating pairs, one at a time); target <= 2 ms (both): ${Math.max(added_total, added_ttft) <= 2 ? 'MET' : 'MISSED'}`);
  const file = write_results('p6-nodes', { pacing, n, rounds, per_instance, pairs, throughput_rps: tput,
    ratio, latency_ms: lat, added_total_ms: added_total, added_ttft_ms: added_ttft });
  console.log(`  results: ${file}`);
} finally {
  await stop_cluster(remote);
  await stop_fleet(local);
  await stop_child(sim);
}
