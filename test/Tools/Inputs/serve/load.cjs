// Holds N concurrent streaming requests open against llm-serve, each on its
// own connection, and checks that every one completes with [DONE] and the
// text the same request gets alone (greedy).
//   node load.cjs MODEL|ENGINE N [MAX_TOKENS [PROMPTS [llm-serve flags...]]]
'use strict';
const assert = require('node:assert/strict');
const http = require('node:http');
const { startServer, metric } = require('./server.cjs');

const [model, countText, maxTokensText, promptsText, ...serverFlags] = process.argv.slice(2);
const N = Number(countText);
const MAX_TOKENS = Number(maxTokensText ?? 2);
const PROMPTS = Number(promptsText ?? 4);

function stream(port, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/completions', method: 'POST',
                               agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, data }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function textOf(reply) {
  assert.equal(reply.status, 200, reply.data);
  const events = reply.data.split('\n\n').filter((e) => e.startsWith('data: '));
  assert.equal(events[events.length - 1], 'data: [DONE]', 'the stream ends with [DONE]');
  return events.slice(0, -1).map((e) => JSON.parse(e.slice(6)).choices[0]?.text ?? '').join('');
}

async function main() {
  const server = await startServer(
    [model, ...(serverFlags.length ? serverFlags : ['--max-slots', '64'])]);
  const starts = ['Once upon a time', 'Lily', 'The cat', 'Tom and Sam', 'One day', 'The big dog',
                  'Sara saw', 'In the park'];
  const prompts = Array.from({ length: PROMPTS }, (_, i) =>
    starts[i % starts.length] + (i >= starts.length ? ' ' + 'and '.repeat(i / starts.length) : ''));
  const bodyOf = (i) => ({ prompt: prompts[i % prompts.length], max_tokens: MAX_TOKENS, temperature: 0, stream: true });
  const alone = [];
  for (let i = 0; i < prompts.length; ++i) alone.push(textOf(await stream(server.port, bodyOf(i))));

  const started = Date.now();
  let peak = 0, done = false;
  const watcher = (async () => {
    while (!done) {
      peak = Math.max(peak, (await metric(server.url, 'llmc_http_connections')) ?? 0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const replies = await Promise.all(Array.from({ length: N }, (_, i) => stream(server.port, bodyOf(i))));
  done = true;
  await watcher;
  let same = 0;
  replies.forEach((r, i) => { if (textOf(r) === alone[i % prompts.length]) ++same; });
  assert.equal(same, N, 'every request got the text it gets alone');
  console.log(`load: ${N} streams completed in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
              `peak ${peak} open connections, device busy ` +
              `${(100 * ((await metric(server.url, 'llmc_device_busy_ratio')) ?? 0)).toFixed(1)}%`);
  assert.ok(peak >= N, `the server held ${N} connections at once (peak ${peak})`);
  server.proc.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
  console.log('load: all checks passed');
}

main().catch((err) => { console.error(err); process.exit(1); });
