// The Vercel AI SDK (`ai` 5 with `@ai-sdk/openai` 2), whose `openai(model)`
// speaks the Responses API and checks every event against its schemas,
// against a running camoufleet on the simulator (started by
// tests/e2e/tools_test.cpp). Its multi-step tool loop stores answers by
// default and sends earlier output back as `item_reference` items, which
// camoufleet resolves from its memory of answers. Env: CAMOUFLEET_BASE_URL,
// CAMOUFLEET_API_KEY, SIM_ADMIN, EXPECTED_TEXT (the answer to `prompt`).
import test from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, tool, stepCountIs } from 'ai';
import { z } from 'zod';
import { model, lastSimRequest } from './tools_helpers.mjs';

const provider = createOpenAI({
  baseURL: process.env.CAMOUFLEET_BASE_URL + '/v1',
  apiKey: process.env.CAMOUFLEET_API_KEY,
});
const prompt = 'Hello from the Responses API';

test('generateText over the Responses API, with the thoughts as reasoning', async () => {
  const r = await generateText({ model: provider(model), prompt, maxRetries: 0 });
  assert.match(r.response.id, /^resp_/);
  assert.equal(r.text, process.env.EXPECTED_TEXT);
  assert.match(r.reasoningText ?? '', /^Thinking about/);
  assert.equal(r.finishReason, 'stop');
  assert.ok(r.usage.totalTokens > 0);
  assert.deepEqual(r.warnings ?? [], []);
});

test('streamText', async () => {
  const s = streamText({ model: provider(model), prompt, maxRetries: 0, onError: () => {} });
  let text = '';
  for await (const part of s.textStream) text += part;
  assert.equal(text, process.env.EXPECTED_TEXT);
  assert.equal(await s.finishReason, 'stop');
  assert.match(await s.reasoningText ?? '', /^Thinking about/);
});

const weather = tool({
  description: 'Current weather of a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, temp_c: 21 }),
});

for (const stream of [false, true]) {
  test(`a two-step tool loop, earlier output sent back by reference${stream ? ', streamed' : ''}`, async () => {
    const args = {
      model: provider(model), maxRetries: 0, stopWhen: stepCountIs(3), tools: { get_weather: weather },
      prompt: 'Please help. call get_weather {"city":"Paris"}',
    };
    let steps;
    let text;
    if (stream) {
      const s = streamText({ ...args, onError: () => {} });
      text = '';
      for await (const part of s.textStream) text += part;
      steps = await s.steps;
    } else {
      const r = await generateText(args);
      steps = r.steps;
      text = r.text;
    }
    assert.equal(steps.length, 2);
    assert.deepEqual(steps[0].toolCalls.map((c) => [c.toolName, c.input]), [['get_weather', { city: 'Paris' }]]);
    assert.deepEqual(steps[0].toolResults.map((t) => t.output), [{ city: 'Paris', temp_c: 21 }]);
    assert.equal(steps[1].finishReason, 'stop');
    assert.ok(text.length > 0);
    // The second step's page got the call (resolved from its reference)
    // and the result, in the documented flattened form.
    const id = steps[0].toolCalls[0].toolCallId;
    const sent = (await lastSimRequest()).prompt;
    assert.ok(sent.includes(`Request function call: get_weather (tool_call_id=${id})`), sent);
    assert.ok(sent.includes(`Tool result (tool_call_id=${id}):`), sent);
  });
}
