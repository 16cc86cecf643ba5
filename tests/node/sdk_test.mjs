// The official openai SDK against a running camoufleet (started by the C++
// e2e test that runs this file). Env: CAMOUFLEET_BASE_URL, CAMOUFLEET_API_KEY,
// EXPECTED_TEXT (exact answer for the prompt below), SIM_ADMIN (simulator base URL),
// EXPECTED_MODELS (the ids /v1/models must list, sorted, comma-separated).
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.CAMOUFLEET_BASE_URL + '/v1';
const apiKey = process.env.CAMOUFLEET_API_KEY;
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const prompt = 'Hello from the openai SDK';

test('non-stream completion', async () => {
  const r = await client.chat.completions.create({
    model: 'gemini-2.5-pro',
    messages: [{ role: 'user', content: prompt }],
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.content, process.env.EXPECTED_TEXT);
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.ok(r.usage.total_tokens > 0);
});

test('stream with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'gemini-2.5-pro',
    messages: [{ role: 'user', content: prompt }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  let ids = new Set();
  for await (const chunk of stream) {
    ids.add(chunk.id);
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      if (c.delta?.content) text += c.delta.content;
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.equal(text, process.env.EXPECTED_TEXT);
  assert.equal(finish, 'stop');
  assert.ok(usage && usage.completion_tokens > 0);
  assert.equal(ids.size, 1);
});

test('models list', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids.sort(), process.env.EXPECTED_MODELS.split(','));
  assert.ok(ids.includes('gemini-2.5-pro'));
});

test('a wrong key raises AuthenticationError', async () => {
  const bad = new OpenAI({ baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(
    bad.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

test('empty messages raise BadRequestError', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [] }),
    (e) => e instanceof OpenAI.BadRequestError && /messages/.test(e.message));
});

test('an unknown model raises NotFoundError', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
});

test('a full queue raises RateLimitError with Retry-After', async () => {
  // The single instance hangs on the first request; the queue limit is 0.
  await fetch(process.env.SIM_ADMIN + '/__admin/faults', {
    method: 'POST', body: JSON.stringify({ account: '*', hang: true }),
  });
  const controller = new AbortController();
  const hanging = client.chat.completions.create(
    { model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'hang here' }] },
    { signal: controller.signal }).catch(() => {});
  // Wait until the instance is busy.
  for (let i = 0; i < 200; i++) {
    const h = await (await fetch(process.env.CAMOUFLEET_BASE_URL + '/health')).json();
    if (h.busy_instances === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await assert.rejects(
    client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.RateLimitError && e.status === 429 && Number(e.headers.get('retry-after')) > 0);
  controller.abort();
  await hanging;
  await fetch(process.env.SIM_ADMIN + '/__admin/faults', {
    method: 'POST', body: JSON.stringify({ account: '*', clear: true }),
  });
});
