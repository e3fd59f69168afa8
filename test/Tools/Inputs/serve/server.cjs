// Starts llm-serve as a child process on a free loopback port and waits for
// it to listen; helpers shared by the llm-serve tests.
'use strict';
const { spawn } = require('node:child_process');
const assert = require('node:assert/strict');

/// Starts `llm-serve args...`; resolves to {proc, url, port, exited}.
function startServer(args) {
  const proc = spawn('llm-serve', [...args, '--port', '0'],
                     { stdio: ['ignore', 'inherit', 'pipe'] });
  // The server never outlives the test, whatever happens to it.
  process.on('exit', () => proc.kill('SIGKILL'));
  let log = '';
  const exited = new Promise((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('llm-serve did not start:\n' + log)), 60000);
    proc.stderr.on('data', (data) => {
      process.stderr.write(data);
      log += data.toString();
      const m = log.match(/on http:\/\/([0-9.]+):([0-9]+)/);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[2]), url: `http://${m[1]}:${m[2]}`, exited });
      }
    });
    proc.on('exit', (code) => reject(new Error(`llm-serve exited with ${code}:\n${log}`)));
  });
}

/// A raw HTTP request (so the tests control bytes, headers and bodies).
async function raw(url, path, { method = 'POST', body, headers = {} } = {}) {
  const response = await fetch(url + path, {
    method, body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: response.status, text, json, headers: response.headers };
}

/// Asserts an OpenAI-shaped error with `status` (and `param`, `code`).
function assertError(reply, status, { param, code, message } = {}, what = '') {
  assert.equal(reply.status, status, `${what}: status (body ${reply.text})`);
  assert.ok(reply.json && reply.json.error, `${what}: an error object: ${reply.text}`);
  const e = reply.json.error;
  for (const key of ['message', 'type', 'param', 'code'])
    assert.ok(key in e, `${what}: error.${key} present`);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0);
  if (param !== undefined) assert.equal(e.param, param, `${what}: param`);
  if (code !== undefined) assert.equal(e.code, code, `${what}: code`);
  if (message !== undefined) assert.match(e.message, message, `${what}: message`);
}

/// The value of a Prometheus sample, or undefined.
async function metric(url, name) {
  const page = await (await fetch(url + '/metrics')).text();
  const line = page.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function waitFor(condition, what, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting for ' + what);
}

module.exports = { startServer, raw, assertError, metric, waitFor };
