// http:// and https:// image URLs fetched by camoufleet (`--image-urls fetch
// --image-fetch-max-bytes 1k --image-fetch-timeout 2 --image-fetch-ca-file
// $TLS_DIR/ca.pem`, started by tests/e2e/tools_test.cpp, which made the
// certificates with tests/node/make_test_certs.sh) from servers this test
// starts on port 0: an HTTP one, an HTTPS one with a certificate the CA
// signed for 127.0.0.1, one whose certificate names another host and one
// with a self-signed certificate. A fetched image reaches the page (the
// simulator names its type and size), over https and through redirects; too
// large, too slow, the wrong type, a 404, a bad certificate and too many
// redirects are 400s naming the URL (and the hop).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import OpenAI from 'openai';
import { client, model, lastSimRequest } from './tools_helpers.mjs';

// 1x1 PNG, 70 bytes.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const hanging = new Set();
const ports = {};
function handler(req, res) {
  if (req.url === '/pixel.png') return res.writeHead(200, { 'Content-Type': 'image/png' }).end(png);
  // /hop/N answers with a relative redirect to /hop/N-1 (/hop/0: the image).
  const hop = /^\/hop\/(\d+)$/.exec(req.url);
  if (hop) {
    const n = Number(hop[1]);
    return res.writeHead(n === 0 ? 302 : 301, { Location: n === 0 ? '../pixel.png' : String(n - 1) }).end();
  }
  if (req.url === '/to-https') {
    return res.writeHead(307, { Location: `https://127.0.0.1:${ports.good}/hop/1` }).end();
  }
  if (req.url === '/to-slow') {
    return res.writeHead(308, { Location: `https://127.0.0.1:${ports.good}/slow.png` }).end();
  }
  if (req.url === '/big.png') {
    return res.writeHead(200, { 'Content-Type': 'image/png' }).end(Buffer.concat([png, Buffer.alloc(4096)]));
  }
  if (req.url === '/page.html') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>hi</p>');
  if (req.url === '/slow.png') {
    hanging.add(res);  // never answered: the fetch must give up on its own
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
}

const tls = (name) => ({
  key: fs.readFileSync(`${process.env.TLS_DIR}/${name}.key`),
  cert: fs.readFileSync(`${process.env.TLS_DIR}/${name}.pem`),
});
const servers = {
  plain: http.createServer(handler),
  good: https.createServer(tls('good'), handler),
  wrong: https.createServer(tls('wrong'), handler),
  self: https.createServer(tls('self'), handler),
};
for (const [name, s] of Object.entries(servers)) {
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  ports[name] = s.address().port;
}
const base = `http://127.0.0.1:${ports.plain}`;
const secure = `https://127.0.0.1:${ports.good}`;
test.after(() => {
  for (const r of hanging) r.destroy();
  for (const s of Object.values(servers)) {
    s.closeAllConnections();
    s.close();
  }
});

function withImage(url) {
  return client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: [
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image_url', image_url: { url } },
    ] }],
  });
}

async function refused(url, reason) {
  await assert.rejects(withImage(url), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.ok(e.message.includes(`'${url}'`), e.message);
    assert.match(e.message, reason);
    return true;
  });
}

test('a fetched http image reaches the page as a file', async () => {
  const r = await withImage(`${base}/pixel.png`);
  assert.match(r.choices[0].message.content, /\[file image\/png 70 bytes\]/);
  const files = (await lastSimRequest()).files;
  assert.equal(files.length, 1);
  assert.equal(files[0].type, 'image/png');
  assert.equal(files[0].size, 70);
});

test('an image over --image-fetch-max-bytes is a 400', () => refused(`${base}/big.png`, /larger than 1024 bytes/));
test('an image server that does not answer in time is a 400', () => refused(`${base}/slow.png`, /did not answer within 2000 ms/));
test('a URL that is not an image is a 400', () => refused(`${base}/page.html`, /content type 'text\/html'/));
test('a 404 is a 400', () => refused(`${base}/missing.png`, /HTTP 404/));

async function reaches(url) {
  const r = await withImage(url);
  assert.match(r.choices[0].message.content, /\[file image\/png 70 bytes\]/);
  const files = (await lastSimRequest()).files;
  assert.deepEqual(files.map((f) => [f.type, f.size]), [['image/png', 70]]);
}

test('an https image (certificate from the --image-fetch-ca-file CA) reaches the page', () =>
  reaches(`${secure}/pixel.png`));
test('redirects are followed: relative ones, and from http to https', async () => {
  await reaches(`${base}/hop/3`);
  await reaches(`${base}/to-https`);
});
test('more than 5 redirects is a 400 saying so', () =>
  refused(`${secure}/hop/9`, new RegExp(`was redirected more than 5 times \\(the last to '${secure}/hop/3'\\)`)));
test('a self-signed certificate is a 400 naming the verification error', () =>
  refused(`https://127.0.0.1:${ports.self}/pixel.png`, /certificate that failed verification \(self[- ]signed certificate\)/));
test('a certificate for another host is a 400', () =>
  refused(`https://127.0.0.1:${ports.wrong}/pixel.png`, /certificate that failed verification \(IP address mismatch\)/));
test('https over --image-fetch-max-bytes is a 400', () => refused(`${secure}/big.png`, /larger than 1024 bytes/));
test('a redirect hop that does not answer in time is a 400 counting the hop', () =>
  refused(`${base}/to-slow`, new RegExp(`did not answer within 2000 ms \\(after 1 redirect, at '${secure}/slow.png'\\)`)));

// The same fetch behind POST /v1/responses: the refusal names its input item.
test('Responses API: an input_image URL is fetched, a failing one names the input item', async () => {
  const ask = (url) => client.responses.create({
    model,
    input: [{ role: 'user', content: [
      { type: 'input_text', text: 'What is in this picture?' },
      { type: 'input_image', image_url: url },
    ] }],
  });
  const r = await ask(`${base}/pixel.png`);
  assert.match(r.output_text, /\[file image\/png 70 bytes\]/);
  await assert.rejects(ask(`${base}/missing.png`), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.equal(e.param, 'input[0].content');
    assert.match(e.message, /Invalid value for 'input\[0\]\.content': .*HTTP 404/);
    return true;
  });
});
