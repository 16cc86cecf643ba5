// A web page calling camoufleet from a real browser: headless Chromium
// (puppeteer-core) loads a page from this file's own server, and the page
// loads the official openai SDK as ES modules and calls the fleet with it,
// so the browser's own CORS rules (preflight with the SDK's x-stainless-*
// headers, reading the answer, its headers and a streamed body) decide.
// With no API key (a fleet without keys) it checks DNS rebinding instead: a
// site whose own name points at this server gets nothing from it.
// Started by tests/e2e/web_page_test.cpp. Env: CAMOUFLEET_BASE_URL,
// CAMOUFLEET_API_KEY, CHROMIUM_BIN, SIM_ADMIN, EXPECTED_TEXT (the answer to
// PROMPT), LISTED_HOST (a host name the fleet's --cors-origins lists as
// http://LISTED_HOST), PAGE_BROWSER (chromium, the default, or firefox:
// firefox-esr over WebDriver BiDi, FIREFOX_BIN).
//
// The made-up sites reach this file's server: Chromium maps their names to
// it (--host-resolver-rules); Firefox, which cannot map a name to a port,
// sends them to it as its HTTP proxy (never for localhost and 127.0.0.1),
// and the server passes the rebinding site's requests on to the fleet as
// they came, Host header included, as its DNS would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, launchFirefox, closeChromium } from './browser_helpers.mjs';

const base = process.env.CAMOUFLEET_BASE_URL;
const key = process.env.CAMOUFLEET_API_KEY;
const listed = process.env.LISTED_HOST;
const other = 'other.example.test';  // a site nobody listed
const rebound = 'rebind.example.test';  // a site whose DNS answers 127.0.0.1
const PROMPT = 'Hello from a web page';
const openaiDir = path.dirname(fileURLToPath(import.meta.resolve('openai')));

let server, port, chromium, browser;

const firefox = process.env.PAGE_BROWSER === 'firefox';

// The rebinding site's requests (through Firefox's proxy) go on to the
// fleet's port as they came.
function passOn(req, res) {
  const { port: apiPort } = new URL(base);
  const url = new URL(req.url, `http://${req.headers.host}`);
  const upstream = http.request({ host: '127.0.0.1', port: apiPort, method: req.method,
    path: url.pathname + url.search, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => { res.writeHead(502); res.end(); });
  req.pipe(upstream);
}

// The page, and the SDK's files as the browser asks for them (/openai/...).
function serve(req, res) {
  if ((req.headers.host ?? '').split(':')[0] === rebound) return passOn(req, res);
  const url = new URL(req.url, 'http://page');
  if (url.pathname === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>a chat front end</title>');
    return;
  }
  if (url.pathname.startsWith('/openai/')) {
    const file = path.join(openaiDir, path.normalize(url.pathname.slice('/openai/'.length)));
    if (file.startsWith(openaiDir + path.sep) && file.endsWith('.mjs') && fs.existsSync(file)) {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(fs.readFileSync(file));
      return;
    }
  }
  res.writeHead(404);
  res.end();
}

before(async () => {
  server = http.createServer(serve);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
  // Two more sites, served from this file's server on port 80 of their origin.
  chromium = firefox
    ? await launchFirefox('cors', {
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': port,
    })
    : await launchChromium('cors',
      [`--host-resolver-rules=MAP ${listed} 127.0.0.1:${port}, MAP ${other} 127.0.0.1:${port}, ` +
        `MAP ${rebound} 127.0.0.1`]);
  browser = chromium.browser;
  // The caller is the browser asked for (puppeteer-core falls back to nothing).
  assert.match(await browser.version(), firefox ? /^firefox\//i : /chrom/i);
});

after(async () => {
  await closeChromium(chromium);
  if (server) server.close();
});

// Opens `origin`'s page and runs the SDK there; what the page saw comes back.
async function fromPage(origin, apiKey, stream) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 30000 });
    assert.equal(await page.evaluate(() => location.origin), origin);
    return await page.evaluate(async ({ base, apiKey, stream, prompt }) => {
      const { default: OpenAI } = await import('/openai/index.mjs');
      const client = new OpenAI({ baseURL: `${base}/v1`, apiKey, dangerouslyAllowBrowser: true,
        maxRetries: 0, timeout: 60000 });
      const request = { model: 'gemini-2.5-pro', messages: [{ role: 'user', content: prompt }] };
      try {
        if (stream) {
          let text = '';
          let chunks = 0;
          for await (const c of await client.chat.completions.create({ ...request, stream: true })) {
            text += c.choices[0]?.delta?.content ?? '';
            chunks += 1;
          }
          return { text, chunks };
        }
        const { data, response } = await client.chat.completions.create(request).withResponse();
        return { text: data.choices[0].message.content, requestId: response.headers.get('x-request-id') };
      } catch (e) {
        return { error: e.constructor.name, status: e.status ?? null, code: e.code ?? null };
      }
    }, { base, apiKey, stream, prompt: PROMPT });
  } finally {
    await page.close();
  }
}

async function simRequests() {
  const st = await (await fetch(`${process.env.SIM_ADMIN}/__admin/state`)).json();
  return st.requests.length;
}

if (key) test('a page on this machine gets an answer and streams one with the openai SDK', async () => {
  const origin = `http://localhost:${port}`;
  const reply = await fromPage(origin, key, false);
  assert.equal(reply.text, process.env.EXPECTED_TEXT, JSON.stringify(reply));
  assert.match(reply.requestId, /^chatcmpl-/);  // an exposed header the page can read
  const streamed = await fromPage(origin, key, true);
  assert.equal(streamed.text, process.env.EXPECTED_TEXT, JSON.stringify(streamed));
  assert.ok(streamed.chunks > 1);
});

if (key) test('a listed site gets its answer, and can read why a wrong key is refused', async () => {
  const origin = `http://${listed}`;
  const reply = await fromPage(origin, key, false);
  assert.equal(reply.text, process.env.EXPECTED_TEXT, JSON.stringify(reply));
  const refused = await fromPage(origin, 'sk-wrong', false);
  assert.deepEqual(refused, { error: 'AuthenticationError', status: 401, code: 'invalid_api_key' });
});

if (key) test('a site nobody listed cannot call, and nothing reaches a page', async () => {
  const before = await simRequests();
  const reply = await fromPage(`http://${other}`, key, false);
  // The browser hides the refusal: the SDK sees a failed connection, no status.
  assert.equal(reply.error, 'APIConnectionError', JSON.stringify(reply));
  assert.equal(reply.status, null);
  // What the server said, as a client without a browser sees it.
  const r = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { Origin: `http://${other}`, 'Content-Type': 'text/plain', Authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: PROMPT }] }),
  });
  assert.equal(r.status, 403);
  assert.equal((await r.json()).error.code, 'origin_not_allowed');
  assert.equal(await simRequests(), before);
});

if (!key) test('a site whose own name points at this server gets nothing from it (DNS rebinding)', async () => {
  const { port: apiPort } = new URL(base);
  const page = await browser.newPage();
  try {
    // To the browser this is the site's own server: no preflight, no CORS.
    const first = await page.goto(`http://${rebound}:${apiPort}/`, { waitUntil: 'load', timeout: 30000 });
    assert.equal(first.status(), 403);
    const seen = await page.evaluate(async () => {
      const r = await fetch('/v1/instances');
      return { status: r.status, body: await r.json() };
    });
    assert.equal(seen.status, 403);
    assert.equal(seen.body.error.code, 'host_not_allowed');
    assert.equal(seen.body.instances, undefined);
    // The same server by this machine's own address serves the dashboard.
    const own = await page.goto(`${base}/`, { waitUntil: 'load', timeout: 30000 });
    assert.equal(own.status(), 200);
  } finally {
    await page.close();
  }
});
