// P4 recovery: SIGKILL an instance's browser, poll /v1/instances every 5 ms
// until the instance leaves ready/busy (or its error_count rises) =
// detection, then until it is ready again. Interleaved with starts of a bare
// browser of the same kind = "one browser start": Chromium from spawn to
// DevTools answering /json/version; firefox-esr (--browsers chromium,firefox)
// from puppeteer-core's launch to its WebDriver BiDi session answering.
import { spawn } from 'node:child_process';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import {
  arg, browser_kinds, browser_main_pid, chromium_bin, chromium_flags, firefox_bin, fmt, get_json, kind_args,
  make_temp_dir, now_ms, p50, p95, remove_temp_dir, request, sleep, stream_completion, start_fleet, start_sim,
  stop_child, stop_fleet, wait_ready, wait_until, write_results,
} from './lib.mjs';
import net from 'node:net';

const rounds = arg('rounds', 5);
const poll_ms = arg('poll-ms', 5);
const serve = arg('serve-between', 'yes') !== 'no';

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
async function bare_chromium_start() {
  const dir = make_temp_dir('camoufleet-bench-bare-');
  const port = await free_port();
  const t0 = now_ms();
  const p = spawn(chromium_bin, ['--headless=new', `--remote-debugging-port=${port}`, `--user-data-dir=${path.join(dir, 'u')}`,
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

async function measure(sim, kind) {
  let fleet;
  try {
    fleet = await start_fleet(sim, 1, { log_file: arg('log-file', null), extra: kind_args(kind) });
    await wait_ready(fleet.port, 1, 180000);
    const detect = [], ready = [], bare = [], how = [], kill_unix = [];
    for (let r = 0; r < rounds; ++r) {
      await wait_ready(fleet.port, 1, 180000);
      // A healthy instance is one that serves: one answer before each kill
      // (camoufleet counts consecutive errors until a request succeeds, and
      // backs off longer with each).
      if (serve) await stream_completion(fleet.port, `before kill ${r}`);
      const before = (await get_json(fleet.port, '/v1/instances')).json.instances[0];
      // Firefox has no port flag to find it by: the instance names its pid.
      const pid = kind === 'firefox' ? before.browser_pid : browser_main_pid(before.port);
      if (!pid) throw new Error(`no browser found for port ${before.port}`);
      const t_kill = now_ms();
      kill_unix.push(Date.now());
      process.kill(pid, 'SIGKILL');
      let t_detect = null, t_ready = null;
      const until = t_kill + 180000;
      while (now_ms() < until) {
        const j = (await get_json(fleet.port, '/v1/instances')).json;
        const i = j && j.instances[0];
        const t = now_ms();
        if (i && t_detect == null && (!['ready', 'busy'].includes(i.status) || i.error_count > before.error_count)) {
          t_detect = t;
          how.push(i.status);
        }
        if (i && t_detect != null && i.status === 'ready') { t_ready = t; break; }
        await sleep(poll_ms);
      }
      if (t_detect == null || t_ready == null) throw new Error('the instance did not recover within 180 s');
      detect.push(t_detect - t_kill);
      ready.push(t_ready - t_kill);
      bare.push(await (kind === 'firefox' ? bare_firefox_start() : bare_chromium_start()));
    }
    const s = {
      detect_ms_p50: p50(detect), detect_ms_p95: p95(detect), ready_ms_p50: p50(ready), ready_ms_p95: p95(ready),
      browser_start_ms_p50: p50(bare),
    };
    const met_detect = s.detect_ms_p50 <= 100;
    const met_ready = s.ready_ms_p50 <= s.browser_start_ms_p50 + 1000;
    const label = kinds.length > 1 || kind !== 'chromium' ? ` [${kind}]` : '';
    console.log(`P4 recovery${label}: detection p50 ${fmt(s.detect_ms_p50, 0)} ms p95 ${fmt(s.detect_ms_p95, 0)} ms (target <= 100: ${met_detect ? 'MET' : 'MISSED'});`
      + ` ready again p50 ${fmt(s.ready_ms_p50, 0)} ms p95 ${fmt(s.ready_ms_p95, 0)} ms vs one browser start ${fmt(s.browser_start_ms_p50, 0)} ms`
      + ` (target <= start + 1000: ${met_ready ? 'MET' : 'MISSED'}); ${rounds} kills${serve ? ', one answer served before each' : ', back to back'}`);
    return { rounds, serve_between: serve, poll_ms, detect_ms: detect, ready_ms: ready, browser_start_ms: bare,
      detected_as: how, kill_unix_ms: kill_unix, summary: s, target_met: { detection: met_detect, ready: met_ready } };
  } finally {
    await stop_fleet(fleet);
  }
}

const kinds = browser_kinds();
let sim;
try {
  sim = await start_sim();
  const results = {};
  for (const kind of kinds) results[kind] = await measure(sim, kind);
  const name = serve ? 'p4-recovery' : 'p4-recovery-back-to-back';
  const only = kinds.length === 1 && kinds[0] === 'chromium';
  const file = write_results(name, only ? results.chromium : { browsers: results });
  console.log(`  results: ${file}`);
} finally {
  await stop_child(sim);
}
