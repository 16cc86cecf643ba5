// The dashboard in real headless Chromium, or firefox-esr over WebDriver
// BiDi (PAGE_BROWSER=firefox), driven by puppeteer-core against a running
// camoufleet on the simulator (started by tests/e2e/dashboard_test.cpp).
// Env: CAMOUFLEET_BASE_URL, CHROMIUM_BIN, FIREFOX_BIN, SIM_ADMIN, and
// CAMOUFLEET_API_KEY when the server has keys (then only the key checks run).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, launchFirefox, closeChromium } from './browser_helpers.mjs';

const base = process.env.CAMOUFLEET_BASE_URL;
const key = process.env.CAMOUFLEET_API_KEY || '';
const auth = key ? { Authorization: `Bearer ${key}` } : {};
let chromium, browser, page;
const problems = [];  // console errors and page errors

before(async () => {
  const firefox = process.env.PAGE_BROWSER === 'firefox';
  chromium = firefox ? await launchFirefox('dash') : await launchChromium('dash');
  browser = chromium.browser;
  assert.match(await browser.version(), firefox ? /^firefox\//i : /chrom/i);
  page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The events stream is aborted on purpose when the page goes away.
    if (!r.url().endsWith('/v1/events')) problems.push(`request failed: ${r.url()}`);
  });
});

after(async () => { await closeChromium(chromium); });

async function instances() {
  const r = await fetch(`${base}/v1/instances`, { headers: auth });
  assert.equal(r.status, 200);
  return (await r.json()).instances;
}

const card = (id) => `[data-testid=instance][data-id="${id}"]`;
// Presses a button as a user's click does (a click event on the element),
// without aiming at coordinates that a live re-layout may move meanwhile.
async function press(selector) {
  const button = await page.waitForSelector(selector, { timeout: 10000 });
  await button.evaluate((b) => b.click());
}
const statusOf = (id) => page.$eval(card(id), (e) => e.dataset.status);

if (key) {
  test('with API keys, nothing loads without one', async () => {
    const events = await fetch(`${base}/v1/events`);
    assert.equal(events.status, 401);
    await events.body?.cancel();
    const calls = [];
    page.on('request', (r) => calls.push(new URL(r.url()).pathname));
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForSelector('[data-testid=login]:not(.hidden)', { timeout: 10000 });
    assert.equal(await page.$$eval('[data-testid=instance]', (l) => l.length), 0);
    assert.equal(await page.$eval('#main', (e) => e.classList.contains('hidden')), true);
    // Only the page, its files and the liveness probe were asked for.
    assert.deepEqual([...new Set(calls)].sort(), ['/', '/dashboard/app.js', '/dashboard/style.css', '/health/live']);

    await page.type('[data-testid=key-input]', 'sk-wrong');
    await page.click('[data-testid=key-submit]');
    await page.waitForFunction(() => document.getElementById('key-error').textContent.includes('refused'), { timeout: 10000 });
    assert.equal(await page.$$eval('[data-testid=instance]', (l) => l.length), 0);

    await page.$eval('[data-testid=key-input]', (e) => { e.value = ''; });
    await page.type('[data-testid=key-input]', key);
    await page.click('[data-testid=key-submit]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=instance]').length > 0, { timeout: 10000 });
    // The refused key gave one 401 on purpose; nothing else may complain.
    const others = problems.filter((p) => !p.includes('401'));
    assert.deepEqual(others, []);
  });
} else if (process.env.EXPECT_SPARES) {
  test('warm spares show apart with their memory, and a used one is replaced', async () => {
    const wanted = Number(process.env.EXPECT_SPARES);
    await page.goto(`${base}/`, { waitUntil: 'load' });
    const ready = '[data-testid=spare][data-status=ready]';
    await page.waitForFunction((sel, n) => document.querySelectorAll(sel).length === n, { timeout: 60000 }, ready, wanted);
    assert.equal(await page.$eval('[data-testid=spares]', (e) => e.classList.contains('hidden')), false);
    const first = await page.$$eval(ready, (l) => l.map((e) => ({ id: e.dataset.id, text: e.textContent })));
    assert.equal(first[0].id, 'spare_1');
    assert.match(first[0].text, /^spare_1 · ready · pid \d+ · \d+ MB$/);
    assert.match(await page.$eval('#spares-summary', (e) => e.textContent), new RegExp(`${wanted} of ${wanted} ready`));

    // A killed browser takes the spare over; the list then shows its replacement.
    const [victim] = await instances();
    process.kill(victim.browser_pid, 'SIGKILL');
    await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((e) => e.dataset.id === 'spare_2'),
      { timeout: 60000, polling: 50 }, ready);
    assert.equal(await page.$$eval('[data-testid=spare]', (l) => l.some((e) => e.dataset.id === 'spare_1')), false);
    assert.deepEqual(problems, []);
  });
} else {
  test('the dashboard lists the fleet, follows a killed browser, and its buttons act', async () => {
    const list = await instances();
    assert.ok(list.length >= 2, 'a fleet of two or more');
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=instance][data-status=ready]').length === n,
      { timeout: 15000 }, list.length);
    const shown = await page.$$eval('[data-testid=instance]', (l) => l.map((e) => e.dataset.id));
    assert.deepEqual(shown, list.map((i) => i.id));
    assert.equal(await page.$eval('[data-testid=connection]', (e) => e.dataset.live), 'true');

    // A killed browser: its card leaves ready within about two seconds, then comes back.
    const victim = list[0];
    assert.ok(victim.browser_pid > 0, 'the instance reports its browser pid');
    const t0 = Date.now();
    process.kill(victim.browser_pid, 'SIGKILL');
    await page.waitForFunction((sel) => document.querySelector(sel).dataset.status !== 'ready',
      { timeout: 5000, polling: 20 }, card(victim.id));
    const left = Date.now() - t0;
    console.log(`figure: killed browser's card left ready after ${left} ms`);
    assert.ok(left <= 3000, `left ready after ${left} ms`);
    await page.waitForFunction((sel) => document.querySelector(sel).dataset.status === 'ready',
      { timeout: 60000, polling: 50 }, card(victim.id));
    const back = Date.now() - t0;
    console.log(`figure: and was ready again after ${back} ms`);
    assert.ok(Number(await page.$eval(`${card(victim.id)} [data-testid=restarts]`, (e) => e.textContent)) >= 1);

    // The restart button restarts (a new browser process, restarts + 1).
    const other = list[1];
    const before_pid = (await instances()).find((i) => i.id === other.id).browser_pid;
    await press(`${card(other.id)} button[data-action=restart]`);
    await page.waitForFunction((sel) => document.querySelector(sel).dataset.status !== 'ready',
      { timeout: 10000, polling: 20 }, card(other.id));
    await page.waitForFunction((sel) => document.querySelector(sel).dataset.status === 'ready',
      { timeout: 60000, polling: 50 }, card(other.id));
    const after_restart = (await instances()).find((i) => i.id === other.id);
    assert.notEqual(after_restart.browser_pid, before_pid);
    assert.equal(after_restart.restarts, 1);

    // A screenshot of an instance's page: a real PNG of the browser's size.
    const shot = await fetch(`${base}/v1/instances/${encodeURIComponent(other.id)}/screenshot`, { headers: auth });
    assert.equal(shot.status, 200);
    assert.equal(shot.headers.get('content-type'), 'image/png');
    const png = Buffer.from(await shot.arrayBuffer());
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a');
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    console.log(`figure: screenshot ${w}x${h}, ${png.length} bytes`);
    assert.ok(w >= 800 && h >= 500, `screenshot is ${w}x${h}`);
    // ... and the button shows it on the page.
    await press(`${card(other.id)} button[data-action=screenshot]`);
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid=screenshot-img]');
      return img && img.complete && img.naturalWidth > 0 &&
        !document.querySelector('[data-testid=screenshot]').classList.contains('hidden');
    }, { timeout: 15000, polling: 50 });
    assert.equal(await page.$eval('[data-testid=screenshot-img]', (e) => e.naturalWidth), w);

    // Out of rotation and back.
    await press(`${card(other.id)} button[data-action=pause]`);
    await page.waitForSelector(`${card(other.id)}[data-in-rotation=false]`, { timeout: 5000 });
    assert.equal((await instances()).find((i) => i.id === other.id).in_rotation, false);
    await press(`${card(other.id)} button[data-action=resume]`);
    await page.waitForSelector(`${card(other.id)}[data-in-rotation=true]`, { timeout: 5000 });

    // A request shows in the recent list with its model and instance.
    const r = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...auth },
      body: JSON.stringify({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'dashboard hello' }] }),
    });
    assert.equal(r.status, 200);
    const served_by = r.headers.get('x-camoufleet-instance');
    // With keys, the row names the key that asked (KEY_NAME: its name in the key file).
    await page.waitForFunction((inst, name) => [...document.querySelectorAll('[data-testid=recent-request]')]
      .some((tr) => tr.textContent.includes('gemini-2.5-pro') && tr.textContent.includes(inst) && tr.textContent.includes('success')
        && (!name || tr.textContent.includes(name))),
    { timeout: 5000 }, served_by, process.env.KEY_NAME || '');

    // Cancel a running request from the page.
    await fetch(`${process.env.SIM_ADMIN}/__admin/faults`, { method: 'POST', body: JSON.stringify({ account: '*', hang: true }) });
    const hanging = fetch(`${base}/v1/chat/completions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...auth },
      body: JSON.stringify({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'hang here' }] }),
    });
    // Once it runs on an instance (the row stays put from then on).
    const running = '[data-testid=running-request]:not([data-instance=""]) button[data-action=cancel]';
    const sent = page.waitForResponse((r) => r.url().includes('/v1/cancel/'), { timeout: 10000 });
    await press(running);
    assert.equal((await sent).status(), 200);
    const cancelled = await hanging;
    assert.equal(cancelled.status, 499);
    await fetch(`${process.env.SIM_ADMIN}/__admin/faults`, { method: 'POST', body: JSON.stringify({ account: '*', clear: true }) });
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=recent-request]')]
      .some((tr) => tr.textContent.includes('cancelled')), { timeout: 5000 });

    assert.deepEqual(problems, []);
  });
}
