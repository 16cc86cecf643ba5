// P4 recovery: "serving again" after a crash, for each recovery path side
// by side in one run (issue 21), each against one cold browser start:
//   cold    — process isolation: kill -9 of the instance's browser, a cold
//             browser start brings it back (today's default);
//   spare   — process isolation with --spare-browsers 1: kill -9, a warm
//             spare takes over the profile (the pool refills before the
//             next kill);
//   context — --isolation context: the instance's tab crashes (CDP
//             Page.crash kills that context's renderer, the browser lives on),
//             and a fresh context of the live browser replaces it.
// Each kill: poll /v1/instances every 5 ms until the instance leaves
// ready/busy (or its error_count rises) = detection, then until it is ready
// again = serving again (then one answer proves it serves). Interleaved with
// starts of a bare browser of the same kind = "one cold browser start":
// Chromium from spawn to DevTools answering /json/version; firefox-esr
// (--browsers chromium,firefox; paths cold and spare, the context path
// crashes a tab over CDP) from puppeteer-core's launch to its WebDriver BiDi
// session answering.
import { spawn } from 'node:child_process';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { connect_cdp } from './tools/cdp_client.mjs';
import {
  arg, browser_kinds, browser_main_pid, chromium_bin, chromium_flags, firefox_bin, fmt, get_json, kind_args,
  make_temp_dir, now_ms, p50, p95, remove_temp_dir, request, shell_bin, sleep, stream_completion, start_fleet, start_sim,
  stop_child, stop_fleet, wait_ready, wait_until, within, write_results,
} from './lib.mjs';
import net from 'node:net';

const rounds = arg('rounds', 5);
const poll_ms = arg('poll-ms', 5);
const serve = arg('serve-between', 'yes') !== 'no';
const paths_wanted = String(arg('paths', 'cold,spare,context')).split(',').filter(Boolean);

function free_port() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

// Launch to the BiDi session (session.new answered), then kill it (by PID).
async function bare_firefox_start() {
  const dir = make_temp_dir('camoufleet-bench-bare-');
  const t0 = now_ms();
  let b;
  try {
    b = await puppeteer.launch({ browser: 'firefox', executablePath: firefox_bin, headless: true,
      userDataDir: path.join(dir, 'p'), protocolTimeout: 120000, timeout: 120000 });
    return now_ms() - t0;
  } finally {
    const pid = b && b.process() && b.process().pid;
    if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    remove_temp_dir(dir);
  }
}

// Spawn to /json/version answering, then kill it (by PID).
async function bare_chromium_start(bin = chromium_bin) {
  const dir = make_temp_dir('camoufleet-bench-bare-');
  const port = await free_port();
  const t0 = now_ms();
  const p = spawn(bin, ['--headless=new', `--remote-debugging-port=${port}`, `--user-data-dir=${path.join(dir, 'u')}`,
    ...chromium_flags, 'about:blank'], { stdio: 'ignore', detached: true });
  try {
    await wait_until(async () => (await request(port, 'GET', '/json/version', null, 1000)).status === 200, 30000, 5,
      'a bare chromium');
    return now_ms() - t0;
  } finally {
    try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
    remove_temp_dir(dir);
  }
}

// One CDP exchange on a browser-level websocket: crash the renderer of the
// instance's chat tab (the page of its own browser context), nothing else.
// Resolves with the time Page.crash went out: the crash's moment (the
// connection and the attach before it are the bench's, not recovery time).
async function crash_context_tab(ws_endpoint) {
  const cdp = await within(connect_cdp(ws_endpoint), 10000, 'the browser\'s DevTools socket');
  try {
    const { targetInfos } = await within(cdp.call('Target.getTargets'), 10000, 'Target.getTargets');
    const tab = targetInfos.find((t) => t.type === 'page' && t.browserContextId && t.url.includes('/prompts/'));
    if (!tab) throw new Error('no chat tab in a browser context');
    const { sessionId } = await within(cdp.call('Target.attachToTarget', { targetId: tab.targetId, flatten: true }),
      10000, 'Target.attachToTarget');
    const at = now_ms();
    cdp.call('Page.crash', {}, sessionId).catch(() => { /* the page is gone: no answer */ });
    setTimeout(() => cdp.close(), 50);
    return at;
  } catch (e) {
    cdp.close();
    throw e;
  }
}

async function instance(port) {
  return (await get_json(port, '/v1/instances')).json;
}

// The recovery paths: camoufleet's options, how to crash, what "back" must show.
const all_paths = {
  cold: { label: 'process, cold restart', extra: [] },
  spare: { label: 'process, warm spare', extra: ['--spare-browsers', '1'] },
  context: { label: 'context, fresh context in the live browser', extra: ['--isolation', 'context'] },
};

// Crashes the instance of fleet f by its path; returns what was crashed
// and when.
async function crash(path_name, kind, before) {
  if (path_name === 'context') return { pid: before.browser_pid, at: await crash_context_tab(before.ws_endpoint) };
  // Firefox has no port flag to find it by: the instance names its pid.
  const pid = kind === 'firefox' ? before.browser_pid : browser_main_pid(before.port);
  if (!pid) throw new Error(`no browser found for port ${before.port}`);
  const at = now_ms();
  process.kill(pid, 'SIGKILL');
  return { pid, at };
}

async function one_kill(fleet, path_name, kind, r, tag) {
  await wait_ready(fleet.port, 1, 180000);
  if (path_name === 'spare') {
    // A warm spare must be waiting: a kill before the refill is a cold start.
    await wait_until(async () => ((await instance(fleet.port)).spares || {}).ready === 1, 180000, 20, 'a ready spare');
  }
  // A healthy instance is one that serves: one answer before each kill
  // (camoufleet counts consecutive errors until a request succeeds, and
  // backs off longer with each).
  if (serve) await stream_completion(fleet.port, `before kill ${tag} ${r}`);
  const j = await instance(fleet.port);
  const before = j.instances[0];
  const spare_pid = path_name === 'spare' ? j.spares.browsers[0].browser_pid : null;
  const killed = await crash(path_name, kind, before);
  const t_kill = killed.at;
  let t_detect = null, t_ready = null, after = null, how = null;
  const until = t_kill + 180000;
  while (now_ms() < until) {
    const i = (await instance(fleet.port)).instances[0];
    const t = now_ms();
    if (i && t_detect == null && (!['ready', 'busy'].includes(i.status) || i.error_count > before.error_count)) {
      t_detect = t;
      how = i.status;
    }
    if (i && t_detect != null && i.status === 'ready') { t_ready = t; after = i; break; }
    await sleep(poll_ms);
  }
  if (t_detect == null || t_ready == null) throw new Error(`${path_name}: the instance did not recover within 180 s`);
  // Serving again means answering.
  await stream_completion(fleet.port, `after kill ${tag} ${r}`);
  return {
    detect: t_detect - t_kill, ready: t_ready - t_kill, how, killed_pid: killed.pid, new_pid: after.browser_pid,
    from_spare: spare_pid != null && after.browser_pid === spare_pid,
    same_browser: after.browser_pid === before.browser_pid,
  };
}

async function measure(sim, kind) {
  // The context path crashes a tab over CDP: Chromium only.
  const names = kind === 'firefox' ? paths_wanted.filter((n) => n !== 'context') : paths_wanted;
  const fleets = {};
  const samples = {};
  const bare = [];
  try {
    for (const n of names) {
      if (!all_paths[n]) throw new Error(`--paths: unknown path ${n}`);
      fleets[n] = await start_fleet(sim, 1, { log_file: arg('log-file', null), extra: [...kind_args(kind), ...all_paths[n].extra] });
      samples[n] = [];
    }
    for (const n of names) await wait_ready(fleets[n].port, 1, 180000);
    for (let r = 0; r < rounds; ++r) {
      // Interleaved: one kill per path, then one bare start, every round.
      for (const n of names) samples[n].push(await one_kill(fleets[n], n, kind, r, `${kind}-${n}`));
      bare.push(await (kind === 'firefox' ? bare_firefox_start() : bare_chromium_start(kind === 'shell' ? shell_bin : chromium_bin)));
    }
  } finally {
    for (const n of Object.keys(fleets)) await stop_fleet(fleets[n]);
  }
  const start = p50(bare);
  const out = { browser_start_ms: bare, browser_start_ms_p50: start, paths: {} };
  for (const n of names) {
    const xs = samples[n];
    const ready = xs.map((x) => x.ready);
    const s = {
      detect_ms_p50: p50(xs.map((x) => x.detect)), detect_ms_p95: p95(xs.map((x) => x.detect)),
      ready_ms_p50: p50(ready), ready_ms_p95: p95(ready), ratio: p50(ready) / start,
    };
    const met = s.ratio <= 0.5;
    let note = '';
    // Against the cold restart path of the same run, too: what the path saves.
    if (n !== 'cold' && samples.cold) note += `; ${fmt(s.ready_ms_p50 / p50(samples.cold.map((x) => x.ready)), 2)} x the cold restart`;
    if (n === 'spare') note += `; ${xs.filter((x) => x.from_spare).length}/${xs.length} back on the spare's pid`;
    if (n === 'context') note += `; ${xs.filter((x) => x.same_browser).length}/${xs.length} in the same browser pid`;
    const k = kind === 'chromium' ? '' : `${kind}, `;
    console.log(`P4 recovery [${k}${all_paths[n].label}]: detection p50 ${fmt(s.detect_ms_p50, 0)} ms;`
      + ` serving again p50 ${fmt(s.ready_ms_p50, 0)} ms p95 ${fmt(s.ready_ms_p95, 0)} ms vs one cold browser start ${fmt(start, 0)} ms`
      + ` = ${fmt(s.ratio, 2)} (target <= 0.5: ${met ? 'MET' : 'MISSED'}); ${xs.length} crashes${note}`);
    out.paths[n] = { samples: xs, summary: s, target_met: met };
  }
  return out;
}

const kinds = browser_kinds();
let sim;
try {
  sim = await start_sim();
  const results = { rounds, serve_between: serve, poll_ms };
  for (const kind of kinds) results[kind] = await measure(sim, kind);
  const file = write_results(serve ? 'p4-recovery' : 'p4-recovery-back-to-back', results);
  console.log(`  results: ${file}`);
} finally {
  await stop_child(sim);
}
