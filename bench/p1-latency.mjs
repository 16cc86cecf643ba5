// P1 added latency: the same completion through camoufleet (1 instance) and
// through a puppeteer-core script driving the same simulator page directly,
// alternating pairs so machine noise hits both sides. --browsers
// chromium,firefox adds a camoufleet on firefox-esr and a baseline script
// on firefox-esr (puppeteer-core over WebDriver BiDi) to every round: the
// Firefox line compares camoufleet with that script in the same browser,
// and once more with the Chromium baseline.
import path from 'node:path';
import { direct_driver, direct_firefox_driver } from './baseline.mjs';
import {
  arg, browser_kinds, cpu_by_kind, descendants, fleet_pids, fmt, kind_args, make_temp_dir, request, p50, p95, start_fleet, start_sim, stop_child, stop_fleet,
  stream_completion, wait_ready, write_profiles, write_results,
} from './lib.mjs';

const pairs = arg('pairs', 20);
const warmup = arg('warmup', 3);
const pacing = { first_token_ms: arg('first-token-ms', 50), token_ms: arg('token-ms', 20), tokens: arg('tokens', 24) };
const log_level = arg('log-level', 'info');

const kinds = browser_kinds();
const fleets = {};
let sim, direct, direct_ff;
try {
  sim = await start_sim({ ...pacing, accounts: kinds.includes('firefox') ? 1 : 0 });
  // One camoufleet per browser kind, each with its own account (chromium:
  // alice, firefox: carol); the baseline uses bob, so the simulator never
  // sees two runs on one account.
  for (const [k, kind] of kinds.entries()) {
    fleets[kind] = await start_fleet(sim, 1, { log_level, log_file: k ? null : arg('log-file', null),
      first: kind === 'firefox' ? 2 : 0, extra: kind_args(kind) });
    await wait_ready(fleets[kind].port, 1);
  }
  const pdir = make_temp_dir('camoufleet-bench-p1-');
  const [, bob, , user1] = await write_profiles(sim, path.join(pdir, 'profiles'), kinds.includes('firefox') ? 4 : 3);
  direct = await direct_driver.launch(sim, bob);
  // The Firefox baseline has an account of its own (user1).
  if (kinds.includes('firefox')) direct_ff = await direct_firefox_driver.launch(sim, user1);

  const sides = { direct: (prompt) => direct.complete(prompt) };
  if (direct_ff) sides.direct_firefox = (prompt) => direct_ff.complete(prompt);
  for (const kind of kinds) sides[kind] = (prompt) => stream_completion(fleets[kind].port, prompt);
  const names = Object.keys(sides);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  // CPU per answer, per kind of process, summed over the measured runs of
  // each side: camoufleet and its browser, or the baseline's browser; 'node'
  // is this script (the HTTP client, or the baseline's puppeteer driver).
  const baselines = { direct, direct_firefox: direct_ff };
  const tree = (side) => (baselines[side] ? cpu_by_kind(descendants(baselines[side].pid), -1)
    : cpu_by_kind(fleet_pids(fleets[side]), fleets[side].pid));
  const cpu = Object.fromEntries(names.map((n) => [n, {}]));
  const in_order = [];  // every run as the simulator saw it (null: warmup)
  for (let i = 0; i < warmup + pairs; ++i) {
    const prompt = `benchmark pair ${i} the quick brown fox jumps over the lazy dog`;
    // Rotate which side goes first so neither always runs on a warmer machine.
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const side of order) {
      const before = tree(side);
      const node_before = process.cpuUsage();
      const r = await sides[side](prompt);
      if (r.ttft == null) throw new Error(`${side}: no token seen`);
      if (i >= warmup) {
        const after = tree(side);
        const node = process.cpuUsage(node_before);
        after.node = (node.user + node.system) / 1e6;
        for (const k of Object.keys(after)) cpu[side][k] = (cpu[side][k] || 0) + after[k] - (k === 'node' ? 0 : before[k] || 0);
        runs[side].push(r);
      }
      in_order.push(i >= warmup ? r : null);
    }
  }

  // Where the time goes: the simulator stamps when each GenerateContent
  // request arrived and when its last byte went out (unix ms). Requests ran
  // one at a time, so the state's list is in the order of the runs.
  const st = JSON.parse((await request(sim.port, 'GET', '/__admin/state')).body);
  if (st.requests.length === in_order.length) {
    st.requests.forEach((q, k) => {
      const r = in_order[k];
      if (!r) return;
      r.to_site_ms = q.started_ms - r.t0_unix;              // client start -> request at the site
      r.after_site_ms = r.t0_unix + r.total - q.ended_ms;   // site's last byte -> client done
      r.site_ms = q.ended_ms - q.started_ms;
      r.first_token_after_site_ms = r.ttft - r.to_site_ms;   // includes the site's first-token pacing
    });
  }
  const results = {};
  // Each kind against the baseline in its own browser; Firefox also against
  // Chromium's (the figure earlier sessions printed).
  const lines = kinds.flatMap((kind) => (kind === 'firefox'
    ? [[kind, 'direct_firefox'], [kind, 'direct']] : [[kind, 'direct']]));
  for (const [kind, base] of lines) {
    const mine = runs[kind];
    const theirs = runs[base];
    const ratios = mine.map((r, i) => r.total / theirs[i].total);
    const ttft_added = mine.map((r, i) => r.ttft - theirs[i].ttft);
    const total_added = mine.map((r, i) => r.total - theirs[i].total);
    const summary = {
      total_ratio_p50: p50(ratios), total_ratio_p95: p95(ratios),
      ttft_added_ms_p50: p50(ttft_added), ttft_added_ms_p95: p95(ttft_added),
      total_added_ms_p50: p50(total_added), total_added_ms_p95: p95(total_added),
      camoufleet_total_ms_p50: p50(mine.map((r) => r.total)),
      direct_total_ms_p50: p50(theirs.map((r) => r.total)),
      camoufleet_ttft_ms_p50: p50(mine.map((r) => r.ttft)),
      direct_ttft_ms_p50: p50(theirs.map((r) => r.ttft)),
    };
    for (const [side, rs] of [['camoufleet', mine], ['direct', theirs]])
      for (const k of ['to_site_ms', 'first_token_after_site_ms', 'site_ms', 'after_site_ms'])
        summary[`${side}_${k}_p50`] = p50(rs.map((r) => r[k]).filter((x) => x != null));
    const pass = summary.total_ratio_p50 <= 1.05 && summary.ttft_added_ms_p50 <= 5;
    const label = kinds.length > 1 || kind !== 'chromium'
      ? ` [${kind}${kind === 'chromium' ? '' : base === 'direct' ? ' vs the chromium baseline' : ' vs a firefox baseline'}]` : '';
    console.log(`P1 added latency${label}: total ratio p50 ${fmt(summary.total_ratio_p50, 3)} p95 ${fmt(summary.total_ratio_p95, 3)}`
      + ` (${fmt(summary.camoufleet_total_ms_p50)} vs ${fmt(summary.direct_total_ms_p50)} ms);`
      + ` TTFT added p50 ${fmt(summary.ttft_added_ms_p50)} ms p95 ${fmt(summary.ttft_added_ms_p95)} ms`
      + ` (${fmt(summary.camoufleet_ttft_ms_p50)} vs ${fmt(summary.direct_ttft_ms_p50)} ms);`
      + ` ${pairs} pairs; target ratio <= 1.05, TTFT added <= 5 ms: ${pass ? 'MET' : 'MISSED'}`);
    console.log(`  where the time goes (p50 ms): client->site request ${fmt(summary.camoufleet_to_site_ms_p50)} vs ${fmt(summary.direct_to_site_ms_p50)};`
      + ` request at the site->first token at the client ${fmt(summary.camoufleet_first_token_after_site_ms_p50)} vs ${fmt(summary.direct_first_token_after_site_ms_p50)}`
      + ` (site pacing ${pacing.first_token_ms});`
      + ` site streaming ${fmt(summary.camoufleet_site_ms_p50)} vs ${fmt(summary.direct_site_ms_p50)};`
      + ` site's last byte->client done ${fmt(summary.camoufleet_after_site_ms_p50)} vs ${fmt(summary.direct_after_site_ms_p50)} (camoufleet vs direct)`);
    const per_answer = (side) => Object.entries(cpu[side]).filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${fmt(v / pairs * 1000, 1)}`).join(', ');
    console.log(`  CPU per answer (ms): camoufleet side: ${per_answer(kind)}; direct: ${per_answer(base)}`);
    results[base === 'direct' || kind !== 'firefox' ? kind : `${kind}_vs_firefox_baseline`] = { summary, target_met: pass, runs: mine, cpu_per_answer_s: Object.fromEntries(
      Object.entries(cpu[kind]).map(([k, v]) => [k, v / pairs])) };
  }
  const only = kinds.length === 1 && kinds[0] === 'chromium';
  const file = write_results('p1-latency', only
    ? { pacing, pairs, warmup, ...results.chromium, direct_runs: runs.direct }
    : { pacing, pairs, warmup, browsers: results, direct_runs: runs.direct, direct_firefox_runs: runs.direct_firefox });
  console.log(`  results: ${file}`);
} finally {
  if (direct) await direct.close();
  if (direct_ff) await direct_ff.close();
  for (const f of Object.values(fleets)) await stop_fleet(f);
  await stop_child(sim);
}
