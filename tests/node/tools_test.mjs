// Function calling and images through the official openai SDK against a
// running camoufleet on the simulator (started by tests/e2e/tools_test.cpp).
// The simulator's model calls a function when the last turn says
// `call NAME {json}` and NAME is declared on the page (sim/README.md), and
// names every uploaded file in its answer. Env: CAMOUFLEET_BASE_URL,
// CAMOUFLEET_API_KEY, SIM_ADMIN.
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { client, model, tools, results, lastSimRequest, ask, checkCalls, pushResults, one, two } from './tools_helpers.mjs';

// tools -> tool call(s) -> tool result(s) -> final answer.
async function toolLoop(stream, phrase, expected) {
  const messages = [{ role: 'user', content: `Please help. ${phrase}` }];
  const first = await ask(messages, stream);
  checkCalls(first, expected);
  if (!stream) assert.equal(first.content, null);
  const sim = await lastSimRequest();
  assert.deepEqual(sim.tools, ['get_weather', 'get_time']);
  // The simulator starts gemini-2.5-pro with Google Search grounding on (and
  // this test's fleet with URL context on too): they exclude function
  // calling, so the driver turned them off first.
  assert.equal(sim.grounding, false);
  assert.equal(sim.url_context, false);

  pushResults(messages, first, null);
  const final = await ask(messages, stream);
  assert.equal(final.finish, 'stop');
  assert.equal(final.calls.length, 0);
  assert.ok(final.content.length > 0);
  // The history reached the page in the documented flattened form.
  const prompt = (await lastSimRequest()).prompt;
  for (const c of first.calls) {
    assert.ok(prompt.includes(`Request function call: ${c.function.name} (tool_call_id=${c.id})`), prompt);
    assert.ok(prompt.includes(`Tool result (tool_call_id=${c.id}):\n${results[c.function.name]}`), prompt);
  }
}

test('tool loop, one call, non-stream', () => toolLoop(false, ...one));
test('tool loop, one call, stream', () => toolLoop(true, ...one));
test('tool loop, two parallel calls, non-stream', () => toolLoop(false, ...two));
test('tool loop, two parallel calls, stream', () => toolLoop(true, ...two));

test('tool_choice none sends no declarations: the page answers in text', async () => {
  const r = await ask([{ role: 'user', content: one[0] }], false, { tool_choice: 'none' });
  assert.equal(r.finish, 'stop');
  assert.equal(r.calls.length, 0);
  assert.deepEqual((await lastSimRequest()).tools, []);
});

test('tool_choice required is said in the prompt', async () => {
  await ask([{ role: 'user', content: one[0] }], false, { tool_choice: 'required' });
  assert.match((await lastSimRequest()).prompt, /You must answer with one or more function calls/);
});

test('a request without tools turns function calling off again', async () => {
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: one[0] }] });
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.deepEqual((await lastSimRequest()).tools, []);
});

test('web_search_options turns Google Search grounding on, for that request only', async () => {
  const flash = 'gemini-2.5-flash';  // its grounding switch starts off on the simulator
  const ask = (extra) => client.chat.completions.create({
    model: flash, messages: [{ role: 'user', content: 'What happened today?' }], ...extra,
  });
  const r = await ask({ web_search_options: { search_context_size: 'low' } });
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal((await lastSimRequest()).grounding, true);
  await ask({});
  assert.equal((await lastSimRequest()).grounding, false);
  // Grounding excludes function calling on the page: asking for both is a 400.
  await assert.rejects(ask({ tools, web_search_options: {} }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'web_search_options');
});

test('a model alias (--model-alias gpt-4o=gemini-2.5-pro) is listed and reaches the page as its model', async () => {
  const ids = (await client.models.list()).data.map((m) => m.id);
  assert.equal(ids[ids.indexOf(model) + 1], 'gpt-4o', JSON.stringify(ids));
  assert.match((await client.models.retrieve('gpt-4o')).display_name, /\(as gpt-4o\)$/);
  // From another model first, so that the page has to switch.
  await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal((await lastSimRequest()).model, 'gemini-2.5-flash');
  const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi again' }] });
  assert.equal(r.model, model);
  assert.equal((await lastSimRequest()).model, model);
  const resp = await client.responses.create({ model: 'gpt-4o', input: 'And once more' });
  assert.equal(resp.model, model);
});

test('a schema the page cannot take is a 400 naming the tool and the key', async () => {
  await assert.rejects(
    client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { $ref: '#/x' } } } } }],
    }),
    (e) => e instanceof OpenAI.BadRequestError && /function 'f'/.test(e.message) && /\$ref/.test(e.message));
});

// 1x1 PNG, 70 bytes.
const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

test('a data-URL image reaches the page as a file', async () => {
  const r = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: [
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
    ] }],
  });
  assert.match(r.choices[0].message.content, /\[file image\/png 70 bytes\]/);
  const files = (await lastSimRequest()).files;
  assert.equal(files.length, 1);
  assert.equal(files[0].type, 'image/png');
  assert.equal(files[0].size, 70);
});

test('a PDF (file part) and MP3 audio (input_audio part) reach the page as files', async () => {
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n');
  const mp3 = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]);
  const r = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: [
      { type: 'text', text: 'Summarise the report and the recording.' },
      { type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${pdf.toString('base64')}` } },
      { type: 'input_audio', input_audio: { data: mp3.toString('base64'), format: 'mp3' } },
    ] }],
  });
  assert.match(r.choices[0].message.content, new RegExp(`\\[file application/pdf ${pdf.length} bytes\\]`));
  const files = (await lastSimRequest()).files;
  assert.deepEqual(files.map((f) => [f.name, f.type, f.size]),
    [['report.pdf', 'application/pdf', pdf.length], ['file-2.mp3', 'audio/mpeg', mp3.length]]);
});

test('a file id (no Files API here) is a clear 400', async () => {
  await assert.rejects(
    client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }],
    }),
    (e) => e instanceof OpenAI.BadRequestError && /file ids are not supported/.test(e.message));
});

test('an http image URL is a clear 400', async () => {
  await assert.rejects(
    client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }],
    }),
    (e) => e instanceof OpenAI.BadRequestError && /not fetched/.test(e.message));
});
