// OpenAI's Responses API (POST /v1/responses) through the official openai
// SDK's own `responses` helpers, against a running camoufleet on the
// simulator (started by tests/e2e/tools_test.cpp). The simulator's
// gemini-2.5-pro thinks before it answers and calls a function when the
// last turn says `call NAME {json}` (sim/README.md). Env:
// CAMOUFLEET_BASE_URL, CAMOUFLEET_API_KEY, SIM_ADMIN, EXPECTED_TEXT (the
// answer to `prompt` below).
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { client, model, results, lastSimRequest, one, two } from './tools_helpers.mjs';

const prompt = 'Hello from the Responses API';
// This API's function tools: no `function` wrapper.
const tools = [
  {
    type: 'function', name: 'get_weather', description: 'Current weather of a city', strict: true,
    parameters: {
      type: 'object', additionalProperties: false,
      properties: { city: { type: 'string' }, unit: { type: ['string', 'null'], enum: ['c', 'f', null] } },
      required: ['city'],
    },
  },
  {
    type: 'function', name: 'get_time', description: 'Current time in a time zone',
    parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
  },
];

function checkResponse(r) {
  assert.equal(r.object, 'response');
  assert.match(r.id, /^resp_[0-9a-f]{24}$/);
  assert.equal(r.status, 'completed');
  assert.equal(r.model, model);
  // The simulator's model thinks first: its thoughts are a reasoning item.
  const reasoning = r.output.find((o) => o.type === 'reasoning');
  assert.ok(reasoning, JSON.stringify(r.output));
  assert.match(reasoning.summary[0].text, /^Thinking about/);
  assert.ok(r.usage.output_tokens > 0 && r.usage.total_tokens > r.usage.output_tokens);
}

test('a response, its output_text and reasoning', async () => {
  const r = await client.responses.create({ model, input: prompt });
  checkResponse(r);
  assert.equal(r.output_text, process.env.EXPECTED_TEXT);
  assert.equal(r.output.at(-1).type, 'message');
  assert.equal(r.output.at(-1).role, 'assistant');
});

test('a stream read by the SDK\'s responses.stream helper', async () => {
  const stream = client.responses.stream({ model, input: prompt });
  let text = '';
  stream.on('response.output_text.delta', (e) => { text += e.delta; });
  const final = await stream.finalResponse();
  checkResponse(final);
  assert.equal(text, process.env.EXPECTED_TEXT);
  assert.equal(final.output_text, process.env.EXPECTED_TEXT);
});

test('a raw stream: every event typed and numbered in order, no [DONE]', async () => {
  const stream = await client.responses.create({ model, input: prompt, stream: true });
  const types = [];
  let last = -1;
  for await (const e of stream) {
    types.push(e.type);
    assert.equal(e.sequence_number, last + 1);
    last = e.sequence_number;
  }
  assert.equal(types[0], 'response.created');
  assert.equal(types[1], 'response.in_progress');
  assert.ok(types.includes('response.reasoning_summary_text.delta'));
  assert.ok(types.includes('response.output_text.delta'));
  assert.equal(types.at(-1), 'response.completed');
});

test('instructions reach the page as the system turn', async () => {
  await client.responses.create({ model, instructions: 'Answer like a pirate.', input: prompt });
  const sent = (await lastSimRequest()).prompt;
  assert.match(sent, /System Instructions:\nAnswer like a pirate\./);
  assert.ok(sent.includes(prompt), sent);
});

// function_call items -> function_call_output items -> final answer, with
// the whole output handed back as input, as the Agents SDK does.
async function toolLoop(stream, phrase, expected) {
  const input = [{ role: 'user', content: `Please help. ${phrase}` }];
  const ask = async () => {
    if (!stream) return client.responses.create({ model, input, tools });
    return client.responses.stream({ model, input, tools }).finalResponse();
  };
  const first = await ask();
  const calls = first.output.filter((o) => o.type === 'function_call');
  assert.deepEqual(calls.map((c) => [c.name, JSON.parse(c.arguments)]), expected);
  for (const c of calls) {
    assert.match(c.call_id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(c.status, 'completed');
  }
  assert.deepEqual((await lastSimRequest()).tools, ['get_weather', 'get_time']);

  input.push(...first.output);
  for (const c of calls) input.push({ type: 'function_call_output', call_id: c.call_id, output: results[c.name] });
  const final = await ask();
  assert.equal(final.status, 'completed');
  assert.equal(final.output.filter((o) => o.type === 'function_call').length, 0);
  assert.ok(final.output_text.length > 0);
  const sent = (await lastSimRequest()).prompt;
  for (const c of calls) {
    assert.ok(sent.includes(`Request function call: ${c.name} (tool_call_id=${c.call_id})`), sent);
    assert.ok(sent.includes(`Tool result (tool_call_id=${c.call_id}):\n${results[c.name]}`), sent);
  }
}

test('tool loop, one call', () => toolLoop(false, ...one));
test('tool loop, two parallel calls, streamed', () => toolLoop(true, ...two));

// 1x1 PNG, 70 bytes.
const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

test('an input_image reaches the page as a file', async () => {
  const r = await client.responses.create({
    model,
    input: [{ role: 'user', content: [
      { type: 'input_text', text: 'What is in this picture?' },
      { type: 'input_image', image_url: `data:image/png;base64,${png}`, detail: 'auto' },
    ] }],
  });
  assert.match(r.output_text, /\[file image\/png 70 bytes\]/);
  const files = (await lastSimRequest()).files;
  assert.deepEqual(files.map((f) => [f.type, f.size]), [['image/png', 70]]);
});

test('a conversation continued by previous_response_id, its input listed, read back and deleted', async () => {
  const first = await client.responses.create({ model, input: 'Remember the word heron.' });
  const second = await client.responses.create({ model, previous_response_id: first.id, input: 'Which word?' });
  assert.equal(second.previous_response_id, first.id);
  // The page got the earlier turn and its answer, flattened before the new one.
  const sent = (await lastSimRequest()).prompt;
  const earlier = sent.indexOf('Remember the word heron.');
  assert.ok(earlier >= 0, sent);
  assert.ok(sent.indexOf(first.output_text) > earlier, sent);
  assert.ok(sent.lastIndexOf('Which word?') > sent.indexOf(first.output_text), sent);

  // Its own input, listed and paged by the SDK's cursor (one item a page).
  const multi = await client.responses.create({
    model, previous_response_id: first.id,
    input: [{ role: 'user', content: 'Which word?' }, { role: 'user', content: [{ type: 'input_text', text: 'Spell it.' }] }],
  });
  const listed = [];
  for await (const item of client.responses.inputItems.list(multi.id, { limit: 1, order: 'asc' })) listed.push(item);
  assert.deepEqual(listed.map((i) => [i.type, i.role, i.content[0].text]),
    [['message', 'user', 'Which word?'], ['message', 'user', 'Spell it.']]);
  assert.equal(new Set(listed.map((i) => i.id)).size, 2);
  const newest = await client.responses.inputItems.list(multi.id);
  assert.deepEqual(newest.data.map((i) => i.id), listed.map((i) => i.id).reverse());

  const got = await client.responses.retrieve(second.id);
  assert.equal(got.id, second.id);
  assert.equal(got.output_text, second.output_text);
  await client.responses.delete(first.id);
  await assert.rejects(client.responses.retrieve(first.id), (e) => e instanceof OpenAI.NotFoundError);
  // What continued it still holds the whole conversation.
  const third = await client.responses.create({ model, previous_response_id: second.id, input: 'Again?' });
  assert.equal(third.status, 'completed');
  assert.ok((await lastSimRequest()).prompt.includes('Remember the word heron.'));
});

test('the web_search tool is the page\'s Google Search grounding', async () => {
  const flash = 'gemini-2.5-flash';  // its grounding switch starts off on the simulator
  const r = await client.responses.create({ model: flash, input: 'Any news?', tools: [{ type: 'web_search' }] });
  assert.equal(r.status, 'completed');
  assert.equal((await lastSimRequest()).grounding, true);
  await client.responses.create({ model: flash, input: 'Thanks' });
  assert.equal((await lastSimRequest()).grounding, false);
});

// The response as GET /v1/responses/{id} shows it, once its status is one of `want`.
async function polled(id, want) {
  const deadline = Date.now() + 60000;
  for (;;) {
    const r = await client.responses.retrieve(id);
    if (want.includes(r.status)) return r;
    assert.ok(Date.now() < deadline, `${id} still ${r.status}, waiting for ${want}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function simRequestFor(text, statuses) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const st = await (await fetch(process.env.SIM_ADMIN + '/__admin/state')).json();
    const found = st.requests.findLast((q) => q.prompt.includes(text));
    if (found && statuses.includes(found.status)) return found;
    assert.ok(Date.now() < deadline, `no sim request for ${text} in ${statuses}: ${JSON.stringify(found)}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

test('a background response: queued at once, read back by retrieve until completed', async () => {
  const queued = await client.responses.create({ model, input: prompt, background: true });
  assert.equal(queued.background, true);
  assert.equal(queued.status, 'queued');
  assert.deepEqual(queued.output, []);
  const r = await polled(queued.id, ['completed', 'incomplete', 'failed', 'cancelled']);
  checkResponse(r);
  assert.equal(r.background, true);
  assert.equal(r.output_text, process.env.EXPECTED_TEXT);
});

test('a background response cancelled while the page answers: the page stops, the fleet goes on', async () => {
  const faults = (body) => fetch(process.env.SIM_ADMIN + '/__admin/faults', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal((await faults({ hang: true })).status, 200);
  try {
    const queued = await client.responses.create({ model, input: 'Stop me', background: true });
    await polled(queued.id, ['in_progress']);
    await simRequestFor('Stop me', ['streaming']);
    const cancelled = await client.responses.cancel(queued.id);
    assert.equal(cancelled.id, queued.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await client.responses.retrieve(queued.id)).status, 'cancelled');
    // The page's Stop reached the site.
    await simRequestFor('Stop me', ['aborted']);
  } finally {
    await faults({ clear: true });
  }
  const next = await client.responses.create({ model, input: prompt });
  checkResponse(next);
});

test('a background stream broken off after its first words is read on from where it stopped', async () => {
  const stream = await client.responses.create({ model, input: prompt, background: true, stream: true });
  let id;
  let seen = -1;
  let text = '';
  for await (const e of stream) {
    if (e.type === 'response.created') {
      id = e.response.id;
      assert.equal(e.response.status, 'queued');
      assert.equal(e.response.background, true);
    }
    assert.equal(e.sequence_number, seen + 1);
    seen = e.sequence_number;
    if (e.type === 'response.output_text.delta') {
      text += e.delta;
      break; // closes the connection: the answer goes on without it
    }
  }
  assert.ok(id);
  // The raw events after the last one seen (GET ...?stream=true&starting_after=N).
  const rest = await client.responses.retrieve(id, { stream: true, starting_after: seen });
  let first;
  let done;
  for await (const e of rest) {
    first ??= e.sequence_number;
    if (e.type === 'response.output_text.delta') text += e.delta;
    if (e.type === 'response.completed') done = e.response;
  }
  assert.equal(first, seen + 1);
  assert.equal(text, process.env.EXPECTED_TEXT);
  assert.equal(done.status, 'completed');
  // The SDK's stream helper resumes too, and builds the whole response.
  const resumed = client.responses.stream({ response_id: id, starting_after: seen });
  const whole = await resumed.finalResponse();
  assert.equal(whole.output_text, process.env.EXPECTED_TEXT);
  assert.equal((await client.responses.retrieve(id)).status, 'completed');
});

test('what cannot be honoured is a BadRequestError naming the field', async () => {
  await assert.rejects(
    client.responses.create({ model, input: 'x', previous_response_id: 'resp_0123' }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'previous_response_id' &&
      /not found/.test(e.message));
  await assert.rejects(
    client.responses.create({ model, input: 'x', tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'tools[0].type');
  await assert.rejects(
    client.responses.create({ model, input: 'x', background: true, store: false }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'store');
  await assert.rejects(
    client.responses.create({ model: 'gpt-nonexistent', input: 'x' }),
    (e) => e instanceof OpenAI.NotFoundError);
});
