// P1 added latency: the same completion through camoufleet (1 instance) and
// through a puppeteer-core script driving the same simulator page directly,
// alternating pairs so machine noise hits both sides.
import path from 'node:path';
import { direct_driver } from './baseline.mjs';
import {
  arg, fmt, make_temp_dir, request, p50, p95, start_fleet, start_sim, stop_child, stop_fleet, stream_completion,
  wait_ready, write_profiles, write_results,
} from './lib.mjs';

const pairs = arg('pairs', 20);
const warmup = arg('warmup', 3);
const pacing = { first_token_ms: arg('first-token-ms', 50), token_ms: arg('token-ms', 20), tokens: arg('tokens', 24) };
const log_level = arg('log-level', 'info');

let sim, fleet, direct;
try {
  sim = await start_sim(pacing);
  fleet = await start_fleet(sim, 1, { log_level, log_file: arg('log-file', null) });
  await wait_ready(fleet.port, 1);
  // The baseline uses a different account than camoufleet (alice), so the
  // simulator never sees two runs on one account.
  const pdir = make_temp_dir('camoufleet-bench-p1-');
  const [, bob] = await write_profiles(sim, path.join(pdir, 'profiles'), 3);
  direct = await direct_driver.launch(sim, bob);

  const sides = {
    camoufleet: (prompt) => stream_completion(fleet.port, prompt),
    direct: (prompt) => direct.complete(prompt),
  };
  const runs = { camoufleet: [], direct: [] };
  for (let i = 0; i < warmup + pairs; ++i) {
    const prompt = `benchmark pair ${i} the quick brown fox jumps over the lazy dog`;
    // Alternate which side goes first so neither always runs on a warmer machine.
    const order = i % 2 ? ['direct', 'camoufleet'] : ['camoufleet', 'direct'];
    for (const side of order) {
      const r = await sides[side](prompt);
      if (r.ttft == null) throw new Error(`${side}: no token seen`);
      if (i >= warmup) runs[side].push(r);
    }
  }

  // Where the time goes: the simulator stamps when each GenerateContent
  // request arrived and when its last byte went out (unix ms). Requests ran
  // one at a time, so the state's list is in the order of the runs.
  const st = JSON.parse((await request(sim.port, 'GET', '/__admin/state')).body);
  const order_runs = [];
  for (let i = 0; i < warmup + pairs; ++i) {
    const sides_in_order = i % 2 ? ['direct', 'camoufleet'] : ['camoufleet', 'direct'];
    for (const side of sides_in_order) order_runs.push(i >= warmup ? runs[side][i - warmup] : null);
  }
  if (st.requests.length === order_runs.length) {
    st.requests.forEach((q, k) => {
      const r = order_runs[k];
      if (!r) return;
      r.to_site_ms = q.started_ms - r.t0_unix;              // client start -> request at the site
      r.after_site_ms = r.t0_unix + r.total - q.ended_ms;   // site's last byte -> client done
      r.site_ms = q.ended_ms - q.started_ms;
      r.first_token_after_site_ms = r.ttft - r.to_site_ms;   // includes the site's first-token pacing
    });
  }
  const ratios = runs.camoufleet.map((r, i) => r.total / runs.direct[i].total);
  const ttft_added = runs.camoufleet.map((r, i) => r.ttft - runs.direct[i].ttft);
  const total_added = runs.camoufleet.map((r, i) => r.total - runs.direct[i].total);
  const summary = {
    total_ratio_p50: p50(ratios), total_ratio_p95: p95(ratios),
    ttft_added_ms_p50: p50(ttft_added), ttft_added_ms_p95: p95(ttft_added),
    total_added_ms_p50: p50(total_added), total_added_ms_p95: p95(total_added),
    camoufleet_total_ms_p50: p50(runs.camoufleet.map((r) => r.total)),
    direct_total_ms_p50: p50(runs.direct.map((r) => r.total)),
    camoufleet_ttft_ms_p50: p50(runs.camoufleet.map((r) => r.ttft)),
    direct_ttft_ms_p50: p50(runs.direct.map((r) => r.ttft)),
  };
  for (const side of ['camoufleet', 'direct'])
    for (const k of ['to_site_ms', 'first_token_after_site_ms', 'site_ms', 'after_site_ms'])
      summary[`${side}_${k}_p50`] = p50(runs[side].map((r) => r[k]).filter((x) => x != null));
  const pass = summary.total_ratio_p50 <= 1.05 && summary.ttft_added_ms_p50 <= 5;
  console.log(`P1 added latency: total ratio p50 ${fmt(summary.total_ratio_p50, 3)} p95 ${fmt(summary.total_ratio_p95, 3)}`
    + ` (${fmt(summary.camoufleet_total_ms_p50)} vs ${fmt(summary.direct_total_ms_p50)} ms);`
    + ` TTFT added p50 ${fmt(summary.ttft_added_ms_p50)} ms p95 ${fmt(summary.ttft_added_ms_p95)} ms`
    + ` (${fmt(summary.camoufleet_ttft_ms_p50)} vs ${fmt(summary.direct_ttft_ms_p50)} ms);`
    + ` ${pairs} pairs; target ratio <= 1.05, TTFT added <= 5 ms: ${pass ? 'MET' : 'MISSED'}`);
  const file = write_results('p1-latency', { pacing, pairs, warmup, summary, target_met: pass, runs });
  console.log(`  where the time goes (p50 ms): client->site request ${fmt(summary.camoufleet_to_site_ms_p50)} vs ${fmt(summary.direct_to_site_ms_p50)};`
    + ` request at the site->first token at the client ${fmt(summary.camoufleet_first_token_after_site_ms_p50)} vs ${fmt(summary.direct_first_token_after_site_ms_p50)}`
    + ` (site pacing ${pacing.first_token_ms});`
    + ` site streaming ${fmt(summary.camoufleet_site_ms_p50)} vs ${fmt(summary.direct_site_ms_p50)};`
    + ` site's last byte->client done ${fmt(summary.camoufleet_after_site_ms_p50)} vs ${fmt(summary.direct_after_site_ms_p50)} (camoufleet vs direct)`);
  console.log(`  results: ${file}`);
} finally {
  if (direct) await direct.close();
  await stop_fleet(fleet);
  await stop_child(sim);
}
