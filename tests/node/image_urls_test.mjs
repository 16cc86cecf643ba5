// http:// image URLs fetched by camoufleet (`--image-urls fetch
// --image-fetch-max-bytes 1k --image-fetch-timeout 2`, started by
// tests/e2e/tools_test.cpp) from an HTTP server this test starts on port 0:
// a fetched image reaches the page (the simulator names its type and size);
// too large, too slow, the wrong type, a 404 and https are 400s naming the URL.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import { client, model, lastSimRequest } from './tools_helpers.mjs';

// 1x1 PNG, 70 bytes.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const hanging = new Set();
const server = http.createServer((req, res) => {
  if (req.url === '/pixel.png') return res.writeHead(200, { 'Content-Type': 'image/png' }).end(png);
  if (req.url === '/big.png') {
    return res.writeHead(200, { 'Content-Type': 'image/png' }).end(Buffer.concat([png, Buffer.alloc(4096)]));
  }
  if (req.url === '/page.html') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>hi</p>');
  if (req.url === '/slow.png') {
    hanging.add(res);  // never answered: the fetch must give up on its own
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
test.after(() => {
  for (const r of hanging) r.destroy();
  server.close();
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
test('https is refused, saying so', () => refused('https://127.0.0.1:1/a.png', /fetches plain http:\/\/ image URLs only/));
