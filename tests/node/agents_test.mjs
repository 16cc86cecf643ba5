// The OpenAI Agents SDK (`@openai/agents`), whose model calls go through the
// Responses API, against a running camoufleet on the simulator (started by
// tests/e2e/tools_test.cpp): an agent with a function tool runs its loop
// (call, tool result, answer), plain and streamed. Tracing is off: it would
// send traces to OpenAI. Env: CAMOUFLEET_BASE_URL, CAMOUFLEET_API_KEY,
// SIM_ADMIN.
import test from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Agent, run, tool, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from '@openai/agents';
import { z } from 'zod';
import { model, lastSimRequest } from './tools_helpers.mjs';

setTracingDisabled(true);
setOpenAIAPI('responses');
setDefaultOpenAIClient(new OpenAI({
  baseURL: process.env.CAMOUFLEET_BASE_URL + '/v1',
  apiKey: process.env.CAMOUFLEET_API_KEY,
  maxRetries: 0,
}));

const calls = [];
const getWeather = tool({
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => {
    calls.push(city);
    return JSON.stringify({ city, temp_c: 21 });
  },
});
const agent = new Agent({ name: 'Helper', instructions: 'Be brief.', model, tools: [getWeather] });

async function check(result) {
  assert.deepEqual(calls.splice(0), ['Paris']);
  const kinds = result.newItems.map((i) => i.type);
  assert.deepEqual(kinds.filter((k) => k !== 'reasoning_item'),
    ['tool_call_item', 'tool_call_output_item', 'message_output_item']);
  assert.equal(typeof result.finalOutput, 'string');
  assert.ok(result.finalOutput.length > 0);
  const callId = result.newItems.find((i) => i.type === 'tool_call_item').rawItem.callId;
  const sent = (await lastSimRequest()).prompt;
  assert.match(sent, /System Instructions:\nBe brief\./);
  assert.ok(sent.includes(`Request function call: get_weather (tool_call_id=${callId})`), sent);
  assert.ok(sent.includes(`Tool result (tool_call_id=${callId}):\n{"city":"Paris","temp_c":21}`), sent);
}

test('an agent runs its tool loop', async () => {
  await check(await run(agent, 'Please help. call get_weather {"city":"Paris"}'));
});

test('an agent runs its tool loop, streamed', async () => {
  const result = await run(agent, 'Please help. call get_weather {"city":"Paris"}', { stream: true });
  let text = '';
  for await (const e of result.toTextStream()) text += e;
  await result.completed;
  assert.equal(text, result.finalOutput);
  await check(result);
});
