// The P1 baseline: puppeteer-core drives the simulator page in the same
// Chromium binary, the way a hand-written script would, and reads the answer
// off the network stream (Network.streamResourceContent), as camoufleet does.
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { chromium_bin, chromium_flags, firefox_bin, make_temp_dir, now_ms, wait_until } from './lib.mjs';

const GENERATE = 'MakerSuiteService/GenerateContent';

// The simulator's chat page loaded and showing its model.
async function open_chat_page(page, sim) {
  await page.goto(`${sim.url}/prompts/new_chat`, { waitUntil: 'load' });
  await wait_until(() => page.evaluate(() => {
    const m = document.querySelector('[data-test-id="model-name"]');
    return !!(m && m.textContent.trim());
  }), 30000, 50, 'the page to show its model');
}

// In the page: the prompt in, Run clicked ('clicked'), or why not.
function submit_in_page(text) {
  const t = document.querySelector('ms-prompt-box textarea[aria-label="Enter a prompt"]');
  const b = document.querySelector('ms-run-button button[type="submit"][aria-label="Run"]');
  if (!t || !b) return 'missing';
  t.focus();
  t.value = text;
  t.dispatchEvent(new Event('input', { bubbles: true }));
  if (b.disabled) return 'disabled';
  b.click();
  return 'clicked';
}

export class direct_driver {
  static async launch(sim, profile_file) {
    const d = new direct_driver();
    d.dir = make_temp_dir('camoufleet-bench-direct-');
    d.browser = await puppeteer.launch({
      executablePath: chromium_bin,
      headless: true,
      userDataDir: path.join(d.dir, 'profile'),
      args: chromium_flags,
    });
    d.pid = d.browser.process().pid;
    d.page = await d.browser.newPage();
    d.cdp = await d.page.createCDPSession();
    await d.cdp.send('Network.enable');
    const state = JSON.parse(fs.readFileSync(profile_file, 'utf8'));
    // Keep each cookie's secure flag: a __Secure- cookie without it fails the whole call.
    await d.cdp.send('Network.setCookies', {
      cookies: state.cookies.map((c) => ({ name: c.name, value: c.value, domain: c.domain, path: c.path,
        httpOnly: c.httpOnly, secure: c.secure, sameSite: c.sameSite, expires: c.expires })),
    });
    d.current = null;
    d.cdp.on('Network.requestWillBeSent', (p) => {
      if (!d.current || !p.request.url.includes(GENERATE) || p.request.method === 'OPTIONS') return;
      d.current.id = p.requestId;
      d.cdp.send('Network.streamResourceContent', { requestId: p.requestId }).then((r) => {
        if (r.bufferedData && d.current) d.current.bytes(r.bufferedData, now_ms());
      }).catch(() => {});
    });
    d.cdp.on('Network.dataReceived', (p) => {
      const c = d.current;
      if (!c || p.requestId !== c.id || !p.data) return;
      c.bytes(p.data, now_ms());
    });
    d.cdp.on('Network.loadingFinished', (p) => {
      const c = d.current;
      if (c && p.requestId === c.id) c.done(now_ms());
    });
    d.cdp.on('Network.loadingFailed', (p) => {
      const c = d.current;
      if (!c || p.requestId !== c.id) return;
      // The page may cancel its fetch once it has read the closing bracket.
      if (c.complete()) c.done(now_ms());
      else c.fail(new Error(`loading failed: ${p.errorText} after ${c.body.length} bytes`));
    });
    await open_chat_page(d.page, sim);
    return d;
  }

  // Fills the prompt, clicks Run, resolves when the answer stream ends.
  async complete(prompt, timeout_ms = 60000) {
    const t0 = now_ms();
    const t0_unix = Date.now();
    const run = {};
    run.ttft = null;
    run.body = '';
    const finished = new Promise((resolve, reject) => {
      run.bytes = (b64, t) => {
        const text = Buffer.from(b64, 'base64').toString();
        if (run.ttft == null && text.includes('"')) run.ttft = t - t0;
        run.body += text;
      };
      run.complete = () => { try { JSON.parse(run.body); return true; } catch { return false; } };
      run.done = (t) => resolve(t - t0);
      run.fail = reject;
      setTimeout(() => reject(new Error('direct completion timed out')), timeout_ms);
    });
    this.current = run;
    // Run is enabled by the input event; retry if the page has not caught up.
    while (true) {
      const r = await this.page.evaluate(submit_in_page, prompt);
      if (r === 'clicked') break;
      if (now_ms() - t0 > 10000) throw new Error(`Run could not be clicked: ${r}`);
      await new Promise((res) => setTimeout(res, 5));
    }
    const total = await finished;
    this.current = null;
    return { total, ttft: run.ttft, t0_unix };
  }

  async close() {
    try { await this.browser.close(); } catch { /* killed below */ }
    try { process.kill(this.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

// The P1 baseline on Firefox: puppeteer-core over WebDriver BiDi drives the
// simulator page in the same firefox-esr camoufleet runs. WebDriver BiDi
// streams no response body, so the script reads the answer the way a
// hand-written one would there: a hook in the page tees the GenerateContent
// stream and stamps the first token and the end with the page's own clock
// (performance.timeOrigin + now(), the wall clock this process reads too).
// Those stamps carry no transport back to this process, which flatters the
// baseline by the time an event takes to leave the browser.
export class direct_firefox_driver {
  static async launch(sim, profile_file) {
    const d = new direct_firefox_driver();
    d.dir = make_temp_dir('camoufleet-bench-direct-ff-');
    d.browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefox_bin,
      headless: true,
      userDataDir: path.join(d.dir, 'profile'),
    });
    d.pid = d.browser.process().pid;
    d.page = await d.browser.newPage();
    await d.page.evaluateOnNewDocument((part) => {
      const fetch0 = window.fetch;
      window.fetch = function (input, init) {
        const url = typeof input === 'string' ? input : (input && input.url) || String(input);
        const p = fetch0.apply(this, arguments);
        if (!String(url).includes(part)) return p;
        const stamp = () => performance.timeOrigin + performance.now();
        return p.then((res) => {
          const reader = res.clone().body.getReader();
          const decoder = new TextDecoder();
          const pump = () => reader.read().then(({ done, value }) => {
            if (done) { window.__bench_done = stamp(); return; }
            if (window.__bench_first == null && decoder.decode(value, { stream: true }).includes('"'))
              window.__bench_first = stamp();
            return pump();
          });
          pump().catch(() => { window.__bench_done = -1; });
          return res;
        });
      };
    }, GENERATE);
    const state = JSON.parse(fs.readFileSync(profile_file, 'utf8'));
    // Cookies go into the partition of the page's origin: be on the site first.
    await d.page.goto(`${sim.url}/ServiceLogin`, { waitUntil: 'load' });
    await d.page.setCookie(...state.cookies.map((c) => ({ name: c.name, value: c.value, domain: c.domain,
      path: c.path, httpOnly: c.httpOnly, secure: c.secure, sameSite: c.sameSite, expires: c.expires })));
    await open_chat_page(d.page, sim);
    return d;
  }

  async complete(prompt, timeout_ms = 60000) {
    const t0 = performance.timeOrigin + performance.now();
    await this.page.evaluate(() => { window.__bench_first = null; window.__bench_done = null; });
    for (;;) {
      const r = await this.page.evaluate(submit_in_page, prompt);
      if (r === 'clicked') break;
      if (performance.timeOrigin + performance.now() - t0 > 10000) throw new Error(`Run could not be clicked: ${r}`);
      await new Promise((res) => setTimeout(res, 5));
    }
    let got;
    await wait_until(async () => {
      got = await this.page.evaluate(() => [window.__bench_first, window.__bench_done]);
      return got[1] != null;
    }, timeout_ms, 5, 'the direct answer on Firefox');
    if (got[1] < 0) throw new Error('the answer stream failed');
    return { total: got[1] - t0, ttft: got[0] - t0, t0_unix: t0 };
  }

  async close() {
    try { await this.browser.close(); } catch { /* killed below */ }
    try { process.kill(this.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}
