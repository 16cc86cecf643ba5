// Shared by the tool tests (tools_test.mjs: native function calling;
// tools_emulated_test.mjs: emulated): the client, the tools, reading a
// stream, one request. Env: CAMOUFLEET_BASE_URL, CAMOUFLEET_API_KEY, SIM_ADMIN.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

export const client = new OpenAI({
  baseURL: process.env.CAMOUFLEET_BASE_URL + '/v1',
  apiKey: process.env.CAMOUFLEET_API_KEY,
  maxRetries: 0,
  timeout: 60_000,
});
export const model = 'gemini-2.5-pro';
export const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather of a city',
      parameters: {
        type: 'object', title: 'Weather', additionalProperties: false,
        properties: { city: { type: 'string' }, unit: { type: ['string', 'null'], enum: ['c', 'f', null] } },
        required: ['city'],
      },
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
export const results = { get_weather: '{"temp_c":21}', get_time: '{"time":"12:00"}' };

export async function lastSimRequest() {
  const st = await (await fetch(process.env.SIM_ADMIN + '/__admin/state')).json();
  return st.requests[st.requests.length - 1];
}

// Reads a stream into one assistant message, as the SDK's users do.
export async function collect(stream) {
  const calls = [];
  let content = '';
  let finish = null;
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      if (c.delta?.content) content += c.delta.content;
      for (const tc of c.delta?.tool_calls ?? []) {
        const slot = (calls[tc.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (tc.id) slot.id = tc.id;
        if (tc.function?.name) slot.function.name += tc.function.name;
        if (tc.function?.arguments) slot.function.arguments += tc.function.arguments;
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { content, finish, calls };
}

export async function ask(messages, stream, extra = {}) {
  const body = { model, messages, tools, ...extra };
  if (!stream) {
    const r = await client.chat.completions.create(body);
    const m = r.choices[0].message;
    return { content: m.content, finish: r.choices[0].finish_reason, calls: m.tool_calls ?? [] };
  }
  return collect(await client.chat.completions.create({ ...body, stream: true }));
}

export const one = ['call get_weather {"city":"Paris"}', [['get_weather', { city: 'Paris' }]]];
export const two = ['call get_weather {"city":"Oslo","unit":"c"} and call get_time {"tz":"CET"}',
  [['get_weather', { city: 'Oslo', unit: 'c' }], ['get_time', { tz: 'CET' }]]];

// The first answer of a tool loop: finish "tool_calls", the expected calls
// ([name, arguments] each) in order, OpenAI ids, distinct.
export function checkCalls(first, expected) {
  assert.equal(first.finish, 'tool_calls');
  assert.deepEqual(first.calls.map((c) => c.function.name), expected.map((e) => e[0]));
  first.calls.forEach((c, i) => {
    assert.match(c.id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(c.type, 'function');
    assert.deepEqual(JSON.parse(c.function.arguments), expected[i][1]);
  });
  assert.equal(new Set(first.calls.map((c) => c.id)).size, first.calls.length);
}

// The tool results of `first`'s calls appended to the conversation, as a client does.
export function pushResults(messages, first, content) {
  messages.push({ role: 'assistant', content, tool_calls: first.calls });
  for (const c of first.calls)
    messages.push({ role: 'tool', tool_call_id: c.id, content: results[c.function.name] });
}
