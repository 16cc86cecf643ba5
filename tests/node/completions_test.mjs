// The legacy text completions (POST /v1/completions) against a running
// camoufleet: the official openai SDK's `completions.create` and LangChain's
// `OpenAI` LLM (invoke, stream, and generate with several prompts in one
// request); then what /metrics counted under the key's name. Env:
// CAMOUFLEET_BASE_URL, CAMOUFLEET_API_KEY, KEY_NAME (the key's name in the
// key file), EXPECTED (a JSON object: each prompt below -> the simulator's
// exact answer to it).
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { OpenAI as LangChainOpenAI } from '@langchain/openai';

const baseURL = process.env.CAMOUFLEET_BASE_URL + '/v1';
const apiKey = process.env.CAMOUFLEET_API_KEY;
const expected = JSON.parse(process.env.EXPECTED);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const model = 'gemini-2.5-pro';
const [single, first, second] = Object.keys(expected);

test('openai SDK: a text completion, whole', async () => {
  const r = await client.completions.create({ model, prompt: single });
  assert.equal(r.object, 'text_completion');
  assert.match(r.id, /^cmpl-/);
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].text, expected[single]);
  assert.equal(r.choices[0].index, 0);
  assert.equal(r.choices[0].logprobs, null);
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
});

test('openai SDK: a text completion, streamed with usage', async () => {
  const stream = await client.completions.create({
    model, prompt: single, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  const ids = new Set();
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'text_completion');
    ids.add(chunk.id);
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      assert.equal(c.index, 0);
      text += c.text;
      if (c.finish_reason) finish = c.finish_reason;
      ++chunks;
    }
  }
  assert.equal(text, expected[single]);
  assert.equal(finish, 'stop');
  assert.ok(chunks > 2, `the text came in ${chunks} chunk(s), not as it was written`);
  assert.ok(usage && usage.completion_tokens > 0);
  assert.equal(ids.size, 1);
});

test('openai SDK: several prompts in one request, answered in their order', async () => {
  const r = await client.completions.create({ model, prompt: [first, second] });
  assert.deepEqual(r.choices.map((c) => [c.index, c.text]),
    [[0, expected[first]], [1, expected[second]]]);
});

test('openai SDK: what a page cannot do is a BadRequestError naming the field', async () => {
  await assert.rejects(client.completions.create({ model, prompt: single, echo: true }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'echo');
  await assert.rejects(client.completions.create({ model, prompt: [15496, 11] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'prompt' && /token ids/.test(e.message));
  await assert.rejects(client.completions.create({ model, prompt: single, suffix: 'The end.' }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'suffix');
});

function llm(streaming = false) {
  return new LangChainOpenAI({
    model, apiKey, configuration: { baseURL }, maxRetries: 0, timeout: 60_000, streaming,
  });
}

test("LangChain's OpenAI LLM: invoke and stream", async () => {
  assert.equal(await llm().invoke(single), expected[single]);
  let text = '';
  let parts = 0;
  for await (const piece of await llm().stream(single)) {
    text += piece;
    ++parts;
  }
  assert.equal(text, expected[single]);
  assert.ok(parts > 2, `streamed in ${parts} piece(s)`);
});

test("LangChain's OpenAI LLM: generate sends its prompts in one request", async () => {
  for (const streaming of [false, true]) {
    const r = await llm(streaming).generate([first, second]);
    assert.deepEqual(r.generations.map((g) => g[0].text), [expected[first], expected[second]],
      `streaming ${streaming}`);
  }
});

test("/metrics counted every answer above under the key's name, never the key", async () => {
  const r = await fetch(`${process.env.CAMOUFLEET_BASE_URL}/metrics`,
    { headers: { Authorization: `Bearer ${apiKey}` } });
  assert.equal(r.status, 200);
  const text = await r.text();
  const value = (sample) => {
    const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
    assert.ok(line, `no sample ${sample}`);
    return Number(line.slice(sample.length + 1));
  };
  const name = process.env.KEY_NAME;
  // 1 + 1 + 2 prompts + 0 refused + 2 LangChain + 2 x 2 prompts generated.
  assert.equal(value(`camoufleet_key_requests_total{key="${name}",outcome="success"}`), 10);
  assert.equal(value(`camoufleet_key_requests_total{key="${name}",outcome="error"}`), 0);
  assert.ok(value(`camoufleet_key_tokens_total{key="${name}",kind="prompt"}`) > 0);
  assert.ok(value(`camoufleet_key_tokens_total{key="${name}",kind="completion"}`) > 0);
  assert.ok(!text.includes(apiKey));
});
