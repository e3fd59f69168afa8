// Every kind of bad input gets an OpenAI-shaped error with the right status,
// while a greedy stream served meanwhile is unaffected; a full queue answers
// 429.
//   node errors.cjs MODEL
'use strict';
const assert = require('node:assert/strict');
const { startServer, raw, assertError } = require('./server.cjs');

const [model] = process.argv.slice(2);
const KEY = 'k';
const auth = { authorization: 'Bearer ' + KEY };
const PROMPT = 'Once upon a time';

async function streamText(url, body) {
  const reply = await raw(url, '/v1/completions', { body: JSON.stringify({ ...body, stream: true }), headers: auth });
  assert.equal(reply.status, 200);
  const events = reply.text.split('\n\n').filter((e) => e.startsWith('data: '));
  assert.equal(events[events.length - 1], 'data: [DONE]');
  return events.slice(0, -1).map((e) => JSON.parse(e.slice(6)).choices[0]?.text ?? '').join('');
}

async function main() {
  const server = await startServer([model, '--api-key', KEY, '--max-body-bytes', '65536',
                                    '--served-model-name', 'stories']);
  const url = server.url;
  const greedy = { model: 'stories', prompt: PROMPT, temperature: 0, max_tokens: 48 };
  const alone = await streamText(url, greedy);

  // A stream runs while the bad requests arrive.
  const during = streamText(url, greedy);
  const post = (body, headers = auth, path = '/v1/completions') =>
    raw(url, path, { body, headers });
  const json = (o) => JSON.stringify(o);
  const longPrompt = 'Lily went home. '.repeat(100);

  assertError(await post('{"model": "stories", "prompt": '), 400, { code: 'invalid_json' }, 'malformed JSON');
  assertError(await post('[1, 2]'), 400, { code: 'invalid_type' }, 'not an object');
  assertError(await post(json({ ...greedy, temperature: 'hot' })), 400, { param: 'temperature', code: 'invalid_type' }, 'wrong type');
  assertError(await post(json({ ...greedy, max_tokens: 'ten' })), 400, { param: 'max_tokens' }, 'wrong type');
  assertError(await post(json({ ...greedy, stream: 'yes' })), 400, { param: 'stream' }, 'wrong type');
  assertError(await post(json({ ...greedy, stop: 5 })), 400, { param: 'stop' }, 'wrong type');
  assertError(await post(json({ model: 'stories' })), 400, { param: 'prompt', code: 'missing_required_parameter' }, 'no prompt');
  assertError(await post(json({ model: 'stories', messages: [] }), auth, '/v1/chat/completions'), 400, { param: 'messages' }, 'no messages');
  assertError(await post(json({ model: 'stories', messages: [{ role: 'wizard', content: 'hi' }] }), auth, '/v1/chat/completions'),
              400, { param: 'messages[0].role' }, 'bad role');
  assertError(await post(json({ ...greedy, model: 'gpt-9' })), 404, { param: 'model', code: 'model_not_found' }, 'unknown model');
  assertError(await post(json({ ...greedy, temperature: 3 })), 400, { param: 'temperature' }, 'out of range');
  assertError(await post(json({ ...greedy, top_p: 0 })), 400, { param: 'top_p' }, 'out of range');
  assertError(await post(json({ ...greedy, top_k: -5 })), 400, { param: 'top_k' }, 'out of range');
  assertError(await post(json({ ...greedy, max_tokens: 0 })), 400, { param: 'max_tokens' }, 'out of range');
  assertError(await post(json({ ...greedy, max_tokens: -1 })), 400, { param: 'max_tokens' }, 'out of range');
  assertError(await post(json({ ...greedy, n: 2 })), 400, { param: 'n' }, 'n > 1');
  assertError(await post(json({ ...greedy, logprobs: 50 })), 400, { param: 'logprobs' }, 'out of range');
  assertError(await post(json({ ...greedy, prompt: [1, 99999999] })), 400, { param: 'prompt' }, 'token id out of range');
  assertError(await post(json({ ...greedy, prompt: longPrompt })), 400,
              { param: 'prompt', code: 'context_length_exceeded', message: /maximum context length is 256/ }, 'prompt too long');
  assertError(await post(json({ ...greedy, max_tokens: 300 })), 400,
              { param: 'max_tokens', code: 'context_length_exceeded' }, 'max_tokens beyond the context');
  assertError(await post(json({ ...greedy, prompt: 'x'.repeat(100000) })), 413, { code: 'request_too_large' }, 'oversized body');
  const invalidUtf8 = Buffer.concat([Buffer.from('{"model":"stories","prompt":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  assertError(await post(invalidUtf8), 400, { code: 'invalid_encoding' }, 'invalid UTF-8');
  assertError(await post(json(greedy), {}), 401, { code: 'invalid_api_key' }, 'missing API key');
  assertError(await post(json(greedy), { authorization: 'Bearer nope' }), 401, { code: 'invalid_api_key' }, 'wrong API key');
  assertError(await raw(url, '/v1/nothing', { headers: auth }), 404, {}, 'unknown path');
  assertError(await raw(url, '/v1/completions', { method: 'GET', headers: auth }), 405, {}, 'wrong method');

  // The stream was not disturbed.
  assert.equal(await during, alone);
  // The server still answers.
  assert.equal((await raw(url, '/health', { method: 'GET' })).status, 200);
  server.proc.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);

  // A full queue: one slot, one waiting request at most.
  const small = await startServer([model, '--max-slots', '1', '--max-queue', '1']);
  const body = json({ prompt: PROMPT, max_tokens: 64, temperature: 0 });
  const replies = await Promise.all(Array.from({ length: 8 }, () => raw(small.url, '/v1/completions', { body })));
  const statuses = replies.map((r) => r.status);
  assert.ok(statuses.includes(200), 'some were served: ' + statuses);
  const refused = replies.filter((r) => r.status === 429);
  assert.ok(refused.length > 0, 'some got 429: ' + statuses);
  for (const r of refused) assertError(r, 429, { code: 'queue_full' }, 'full queue');
  for (const r of replies) assert.ok(r.status === 200 || r.status === 429, 'status ' + r.status);
  small.proc.kill('SIGTERM');
  assert.equal((await small.exited).code, 0);
  console.log('errors: all checks passed');
}

main().catch((err) => { console.error(err); process.exit(1); });
