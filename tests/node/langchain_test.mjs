// LangChain.js `bindTools` over camoufleet (ChatOpenAI pointed at it): the
// same tool loops as tools_test.mjs, through LangChain's message types.
// Env: CAMOUFLEET_BASE_URL, CAMOUFLEET_API_KEY.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      description: 'Current time in a time zone',
      parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
    },
  },
];

function model(streaming) {
  return new ChatOpenAI({
    model: 'gemini-2.5-pro',
    apiKey: process.env.CAMOUFLEET_API_KEY,
    configuration: { baseURL: process.env.CAMOUFLEET_BASE_URL + '/v1' },
    maxRetries: 0,
    timeout: 60_000,
    streaming,
  }).bindTools(tools);
}

async function invoke(m, messages, streaming) {
  if (!streaming) return m.invoke(messages);
  let acc = null;
  for await (const chunk of await m.stream(messages)) acc = acc ? acc.concat(chunk) : chunk;
  return acc;
}

async function loop(streaming, phrase, expected) {
  const m = model(streaming);
  const messages = [new HumanMessage(`Please help. ${phrase}`)];
  const ai = await invoke(m, messages, streaming);
  assert.deepEqual(ai.tool_calls.map((c) => [c.name, c.args]), expected);
  for (const c of ai.tool_calls) assert.match(c.id, /^call_/);
  messages.push(ai);
  for (const c of ai.tool_calls)
    messages.push(new ToolMessage({ tool_call_id: c.id, content: `result of ${c.name}` }));
  const final = await invoke(m, messages, streaming);
  assert.equal(final.tool_calls?.length ?? 0, 0);
  assert.ok(String(final.content).length > 0);
}

const one = ['call get_weather {"city":"Paris"}', [['get_weather', { city: 'Paris' }]]];
const two = ['call get_weather {"city":"Oslo"} and call get_time {"tz":"CET"}',
  [['get_weather', { city: 'Oslo' }], ['get_time', { tz: 'CET' }]]];

test('bindTools: one call, invoke', () => loop(false, ...one));
test('bindTools: one call, stream', () => loop(true, ...one));
test('bindTools: two parallel calls, invoke', () => loop(false, ...two));
test('bindTools: two parallel calls, stream', () => loop(true, ...two));
