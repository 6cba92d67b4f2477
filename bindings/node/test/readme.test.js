// The README's example runs as written: its one ```js block is executed with
// a SimChain configuration as usd1pay.json, Express's `app` and `express`
// stood in for by recorders, and the webhook handler it registers is then
// called with a message signed by the standardwebhooks package, genuine and
// tampered.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const usd1pay = require('..');
const { simConfig, tempDir, requirePeer } = require('./helpers');

const { Webhook } = requirePeer('standardwebhooks');

function readmeExample() {
  const text = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1, 'one js block in the README');
  return blocks[0];
}

test('the README example is under 20 lines', () => {
  const lines = readmeExample().trimEnd().split('\n');
  assert.ok(lines.length < 20, `${lines.length} lines`);
});

test('the README example creates an intent, shows its QR and verifies webhooks', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'usd1pay.json'), JSON.stringify(simConfig(dir)));
  const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');

  const printed = [];
  const routes = {};
  const paid = [];
  const fakeConsole = { log: (...a) => printed.push(a.join(' ') + '\n') };
  const fakeProcess = {
    env: { USD1PAY_WEBHOOK_SECRET: secret },
    stdout: { write: (s) => printed.push(s) },
  };
  const app = { post: (route, middleware, handler) => (routes[route] = { middleware, handler }) };
  const express = { raw: (options) => ({ raw: options }) };
  const fakeRequire = (name) => {
    assert.equal(name, 'usd1pay');
    return usd1pay;
  };

  const cwd = process.cwd();
  process.chdir(dir);
  let processor;
  try {
    const run = new Function('require', 'console', 'process', 'app', 'express', 'markPaid',
      readmeExample() + '\nreturn p;');
    processor = run(fakeRequire, fakeConsole, fakeProcess, app, express, (id) => paid.push(id));
  } finally {
    process.chdir(cwd);
  }
  t.after(() => processor.close());

  const out = printed.join('');
  assert.match(out, /^pay 25\.00 USD1 to 0x[0-9a-fA-F]{40}\n/);
  assert.match(out, /[\u2580\u2584\u2588]/, 'the QR code in half blocks');
  const intent = processor.listIntents().intents[0];
  assert.equal(intent.order_id, 'order-1001');

  const route = routes['/webhooks'];
  assert.ok(route, 'POST /webhooks registered');
  assert.deepEqual(route.middleware, { raw: { type: 'application/json' } });
  const call = (headers, body) => {
    const res = {
      code: 0,
      sent: undefined,
      status(c) {
        this.code = c;
        return this;
      },
      send(s) {
        this.sent = s;
        return this;
      },
      sendStatus(c) {
        this.code = c;
        return this;
      },
    };
    route.handler({ headers, body }, res);
    return res;
  };
  const body = Buffer.from(JSON.stringify({ type: 'intent.succeeded', data: { intent } }));
  const ts = Math.floor(Date.now() / 1000);
  const headers = {
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(ts),
    'webhook-signature': new Webhook(secret).sign('msg_1', new Date(ts * 1000), body),
  };

  const forged = call(headers, Buffer.from(body.toString().replace('order-1001', 'order-1002')));
  assert.equal(forged.code, 400);
  assert.equal(forged.sent, 'USD1PAY_ECHECKSUM');
  assert.deepEqual(paid, []);

  const genuine = call(headers, body);
  assert.equal(genuine.code, 200);
  assert.deepEqual(paid, ['order-1001']);
});
