// Drives llm-serve with the official `openai` client: completions and chat,
// streamed and whole, stop strings, log-probabilities, echo, cancellation by
// closing a stream, a wrong API key, and SIGTERM draining a running stream.
//   node openai-client.cjs MODEL EXPECTED_GREEDY_TEXT_FILE
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const OpenAI = require('openai');
const { startServer, metric, waitFor } = require('./server.cjs');

const [model, expectedFile] = process.argv.slice(2);
// llm-run prints the prompt, then the continuation and a newline.
const PROMPT = 'Once upon a time';
const expected = fs.readFileSync(expectedFile, 'utf8').replace(/\n$/, '').slice(PROMPT.length);
const KEY = 'test-key';

async function text(stream) {
  let out = '';
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    if (chunk.choices.length)
      out += chunk.choices[0].text ?? chunk.choices[0].delta?.content ?? '';
  }
  return { out, chunks };
}

async function main() {
  const server = await startServer([model, '--api-key', KEY, '--served-model-name', 'stories']);
  const client = new OpenAI({ baseURL: server.url + '/v1', apiKey: KEY, maxRetries: 0 });
  const greedy = { model: 'stories', temperature: 0, max_tokens: 24 };

  // Models.
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), ['stories']);

  // Completion, whole: the same text as llm-run --device cpu.
  const whole = await client.completions.create({ ...greedy, prompt: PROMPT });
  assert.equal(whole.object, 'text_completion');
  assert.equal(whole.choices[0].text, expected);
  assert.equal(whole.choices[0].finish_reason, 'length');
  assert.equal(whole.usage.completion_tokens, 24);
  assert.equal(whole.usage.prompt_tokens, 5);
  console.log('completion:', JSON.stringify(whole.choices[0].text));

  // Completion, streamed, with usage at the end.
  const streamed = await text(await client.completions.create({
    ...greedy, prompt: PROMPT, stream: true, stream_options: { include_usage: true } }));
  assert.equal(streamed.out, expected);
  const last = streamed.chunks[streamed.chunks.length - 1];
  assert.equal(last.choices.length, 0);
  assert.equal(last.usage.completion_tokens, 24);
  const finishes = streamed.chunks.filter((c) => c.choices.length && c.choices[0].finish_reason);
  assert.equal(finishes.length, 1);
  assert.equal(finishes[0].choices[0].finish_reason, 'length');

  // Chat: the default format of a model without a template is the contents
  // as plain text, so one user message continues like the completion.
  const chat = await client.chat.completions.create({
    ...greedy, messages: [{ role: 'user', content: PROMPT }] });
  assert.equal(chat.object, 'chat.completion');
  assert.equal(chat.choices[0].message.role, 'assistant');
  assert.equal(chat.choices[0].message.content, expected);
  const chatStream = await text(await client.chat.completions.create({
    ...greedy, messages: [{ role: 'user', content: PROMPT }], stream: true }));
  assert.equal(chatStream.out, expected);
  assert.equal(chatStream.chunks[0].choices[0].delta.role, 'assistant');

  // Stop strings, also across token boundaries: the text ends before the
  // first occurrence and no chunk carries any part of it.
  for (const stop of [' girl', 'ly.', 'e w']) {
    const at = expected.indexOf(stop);
    assert.ok(at > 0, `the greedy text has '${stop}'`);
    const stopped = await client.completions.create({ ...greedy, prompt: PROMPT, stop: [stop, 'zzzz'] });
    assert.equal(stopped.choices[0].text, expected.slice(0, at), `stop '${stop}'`);
    assert.equal(stopped.choices[0].finish_reason, 'stop');
    const s = await text(await client.completions.create({ ...greedy, prompt: PROMPT, stop, stream: true }));
    assert.equal(s.out, expected.slice(0, at), `streamed stop '${stop}'`);
    for (const c of s.chunks)
      if (c.choices.length) assert.ok(!c.choices[0].text.includes(stop));
  }

  // Log-probabilities: one entry per token, the greedy token the most likely.
  const lp = await client.completions.create({ ...greedy, prompt: PROMPT, max_tokens: 8, logprobs: 3 });
  const l = lp.choices[0].logprobs;
  assert.equal(l.tokens.length, 8);
  assert.equal(l.tokens.join(''), lp.choices[0].text);
  for (let i = 0; i < 8; ++i) {
    assert.ok(l.token_logprobs[i] <= 0);
    const top = Object.entries(l.top_logprobs[i]);
    assert.ok(top.length >= 1 && top.length <= 3);
    assert.ok(Math.abs(Math.max(...top.map((t) => t[1])) - l.token_logprobs[i]) < 1e-5);
  }
  // Echo with max_tokens 0 scores the prompt (what evaluation harnesses do).
  const echo = await client.completions.create({ ...greedy, prompt: PROMPT, max_tokens: 0, echo: true, logprobs: 1 });
  const e = echo.choices[0].logprobs;
  assert.equal(echo.choices[0].text, PROMPT);
  assert.equal(e.token_logprobs.length, 5); // BOS + 4 pieces
  assert.equal(e.token_logprobs[0], null);
  for (const v of e.token_logprobs.slice(1)) assert.ok(v < 0);
  const chatLp = await client.chat.completions.create({
    ...greedy, max_tokens: 4, messages: [{ role: 'user', content: PROMPT }], logprobs: true, top_logprobs: 2 });
  assert.equal(chatLp.choices[0].logprobs.content.length, 4);
  assert.equal(chatLp.choices[0].logprobs.content[0].top_logprobs.length, 2);

  // Sampling with a seed is reproducible.
  const seeded = { model: 'stories', prompt: PROMPT, temperature: 0.9, top_p: 0.9, top_k: 40, seed: 7, max_tokens: 16 };
  const a = await client.completions.create(seeded), b = await client.completions.create(seeded);
  assert.equal(a.choices[0].text, b.choices[0].text);

  // Closing a stream cancels the request and frees its slot.
  const controller = new AbortController();
  const long = await client.completions.create(
    { model: 'stories', prompt: PROMPT, max_tokens: 200, temperature: 0, stream: true },
    { signal: controller.signal });
  let received = 0;
  try {
    for await (const chunk of long) { if (++received === 3) controller.abort(); }
  } catch (err) { assert.ok(err.name === 'AbortError' || /abort/i.test(String(err)), String(err)); }
  await waitFor(async () => (await metric(server.url, 'llmc_requests_running')) === 0 &&
                           (await metric(server.url, 'llmc_kv_blocks_used')) === 0, 'the cancelled slot to be freed');

  // A wrong API key.
  const stranger = new OpenAI({ baseURL: server.url + '/v1', apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(stranger.completions.create({ ...greedy, prompt: PROMPT }),
                       (err) => err.status === 401 && err.code === 'invalid_api_key');

  // SIGTERM drains: a running stream still ends normally, then exit 0.
  const draining = await client.completions.create(
    { ...greedy, prompt: PROMPT, max_tokens: 40, stream: true });
  let drained = '';
  let signalled = false;
  for await (const chunk of draining) {
    drained += chunk.choices[0]?.text ?? '';
    if (!signalled) { server.proc.kill('SIGTERM'); signalled = true; }
  }
  assert.ok(drained.startsWith(expected), 'the drained stream is complete');
  const exit = await server.exited;
  assert.equal(exit.code, 0, 'llm-serve exits 0 after SIGTERM');
  console.log('openai client: all checks passed');
}

main().catch((err) => { console.error(err); process.exit(1); });
