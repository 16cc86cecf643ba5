// Emulated function calling through the official openai SDK (started by
// tests/e2e/tools_test.cpp). The simulator runs with
// `--no-function-calling gemini-2.0-flash`: that model's page has no
// function-calling tool box, so camoufleet's --tool-mode auto describes the
// tools in the prompt and reads the calls out of the answer text; the
// simulator's model answers such a prompt with the documented ```tool_calls
// block when the last turn says `call NAME {json}` (sim/README.md).
import test from 'node:test';
import assert from 'node:assert/strict';
import { results, lastSimRequest, ask, checkCalls, pushResults, one, two } from './tools_helpers.mjs';

const emulated = { model: 'gemini-2.0-flash' };
const prose = 'I will call a function for this.';

async function emulatedLoop(stream, phrase, expected) {
  const messages = [{ role: 'user', content: `Please help. ${phrase}` }];
  const first = await ask(messages, stream, emulated);
  checkCalls(first, expected);
  // The prose before the block is the content; the block itself never shows.
  if (expected.length === 1) assert.equal(first.content.trim(), prose);
  else assert.match(first.content, /^I will call functions for this\.\s*$/);
  assert.ok(!first.content.includes('tool_calls'), first.content);
  const sim = await lastSimRequest();
  assert.deepEqual(sim.tools, [], 'no native declarations on a page without the tool box');
  assert.match(sim.prompt, /^System Instructions:\nFunctions you can call \(a JSON array/);
  assert.ok(sim.prompt.includes('"name":"get_weather"'), sim.prompt);

  pushResults(messages, first, first.content);
  const final = await ask(messages, stream, emulated);
  assert.equal(final.finish, 'stop');
  assert.equal(final.calls.length, 0);
  assert.ok(final.content.length > 0);
  const prompt = (await lastSimRequest()).prompt;
  for (const c of first.calls)
    assert.ok(prompt.includes(`Tool result (tool_call_id=${c.id}):\n${results[c.function.name]}`), prompt);
}

test('emulated tool loop, one call, non-stream', () => emulatedLoop(false, ...one));
test('emulated tool loop, one call, stream', () => emulatedLoop(true, ...one));
test('emulated tool loop, two parallel calls, non-stream', () => emulatedLoop(false, ...two));
test('emulated tool loop, two parallel calls, stream', () => emulatedLoop(true, ...two));

test('emulated: an undeclared name stays a plain text answer', async () => {
  const r = await ask([{ role: 'user', content: 'call launch_rockets {"n":1}' }], false, emulated);
  assert.equal(r.finish, 'stop');
  assert.equal(r.calls.length, 0);
});

test('emulated: tool_choice required and a named function become prompt instructions', async () => {
  await ask([{ role: 'user', content: 'hello' }], false, { ...emulated, tool_choice: 'required' });
  assert.match((await lastSimRequest()).prompt, /You must answer with a ```tool_calls block holding one or more/);
  await ask([{ role: 'user', content: 'hello' }], false,
    { ...emulated, tool_choice: { type: 'function', function: { name: 'get_time' } } });
  assert.match((await lastSimRequest()).prompt, /calls the function get_time \(and no other function\)/);
});

test('auto stays native where the page has the tool box', async () => {
  const r = await ask([{ role: 'user', content: one[0] }], false, { model: 'gemini-2.5-pro' });
  assert.equal(r.finish, 'tool_calls');
  assert.deepEqual((await lastSimRequest()).tools, ['get_weather', 'get_time']);
});
