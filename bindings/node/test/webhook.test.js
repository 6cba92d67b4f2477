// Webhooks: verifying messages signed by the `standardwebhooks` npm package
// (not ours), refusing tampered ones; and usd1pay's own deliveries to a
// receiver in this process, verified with the binding.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const http = require('http');
const usd1pay = require('..');
const { openSim, requirePeer } = require('./helpers');

const { Webhook } = requirePeer('standardwebhooks');
const { Usd1payError, codes } = usd1pay;
const isCode = (code, re) => (err) =>
  err instanceof Usd1payError && err.code === code && (!re || re.test(err.message));

const secret = 'whsec_' + crypto.randomBytes(32).toString('base64');
const otherSecret = 'whsec_' + crypto.randomBytes(32).toString('base64');

/** A message signed by the standardwebhooks package at Unix time `ts`. */
function signed(body, ts = Math.floor(Date.now() / 1000), id = 'msg_2QxnPs8Tq0dJ5lJ3Ayj1C0nh') {
  const signature = new Webhook(secret).sign(id, new Date(ts * 1000), body);
  return {
    body: Buffer.from(body),
    headers: { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature },
  };
}

const BODY = '{"type":"intent.succeeded","data":{"object":{"id":"pi_1","amount":"25.00"}}}';

test('a message signed by standardwebhooks verifies', () => {
  const m = signed(BODY);
  assert.equal(usd1pay.verifyWebhook(secret, m.headers, m.body), undefined);
  // The body as a string; headers in other case; a fetch Headers object.
  usd1pay.verifyWebhook(secret, m.headers, BODY);
  const upper = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k.toUpperCase(), v]));
  usd1pay.verifyWebhook(secret, upper, m.body);
  usd1pay.verifyWebhook(secret, new Headers(m.headers), m.body);
  // During a rotation: either secret in the list.
  usd1pay.verifyWebhook([otherSecret, secret], m.headers, m.body);
  // A fixed clock: the tolerance window's edges.
  const ts = 1735787045;
  const old = signed(BODY, ts);
  usd1pay.verifyWebhook(secret, old.headers, old.body, { now: ts + 300 });
  usd1pay.verifyWebhook(secret, old.headers, old.body, { now: BigInt(ts - 300) });
  usd1pay.verifyWebhook(secret, old.headers, old.body, { now: new Date((ts + 10) * 1000) });
  usd1pay.verifyWebhook(secret, old.headers, old.body, { now: ts + 1000, toleranceSeconds: 1000 });
});

test('tampered, stale and forged messages are refused with the right code', () => {
  const m = signed(BODY);
  const tampered = Buffer.from(BODY.replace('25.00', '2500'));
  assert.throws(() => usd1pay.verifyWebhook(secret, m.headers, tampered), isCode(codes.ECHECKSUM));
  const oneByte = Buffer.from(m.body);
  oneByte[oneByte.length - 2] ^= 1;
  assert.throws(() => usd1pay.verifyWebhook(secret, m.headers, oneByte), isCode(codes.ECHECKSUM));
  assert.throws(() => usd1pay.verifyWebhook(otherSecret, m.headers, m.body), isCode(codes.ECHECKSUM));
  const otherId = { ...m.headers, 'webhook-id': 'msg_other' };
  assert.throws(() => usd1pay.verifyWebhook(secret, otherId, m.body), isCode(codes.ECHECKSUM));

  const ts = 1735787045;
  const old = signed(BODY, ts);
  assert.throws(
    () => usd1pay.verifyWebhook(secret, old.headers, old.body, { now: ts + 301 }),
    isCode(codes.ERANGE),
  );
  assert.throws(
    () => usd1pay.verifyWebhook(secret, old.headers, old.body, { now: ts - 301 }),
    isCode(codes.ERANGE),
  );
  assert.throws(() => usd1pay.verifyWebhook(secret, old.headers, old.body), isCode(codes.ERANGE));
});

test('malformed input is EINVALID or a TypeError', () => {
  const m = signed(BODY);
  const { 'webhook-signature': _, ...noSig } = m.headers;
  assert.throws(() => usd1pay.verifyWebhook(secret, noSig, m.body), isCode(codes.EINVALID, /webhook-signature/));
  const badTs = { ...m.headers, 'webhook-timestamp': '12x' };
  assert.throws(() => usd1pay.verifyWebhook(secret, badTs, m.body), isCode(codes.EINVALID, /timestamp/));
  assert.throws(() => usd1pay.verifyWebhook('whsec_!!!', m.headers, m.body), isCode(codes.EINVALID, /secret/));
  assert.throws(() => usd1pay.verifyWebhook(secret, m.headers, m.body, { tolerance: 5 }), isCode(codes.EINVALID, /tolerance/));
  assert.throws(() => usd1pay.verifyWebhook([], m.headers, m.body), TypeError);
  assert.throws(() => usd1pay.verifyWebhook(secret, m.headers, 42), TypeError);
  assert.throws(() => usd1pay.verifyWebhook(secret, null, m.body), TypeError);
  assert.throws(() => usd1pay.verifyWebhook(secret, m.headers, m.body, { now: 1.5 }), TypeError);
  assert.throws(() => usd1pay.verifyWebhook([secret, 7], m.headers, m.body), TypeError);
});

test('usd1pay delivers signed webhooks that the binding and standardwebhooks both verify', async (t) => {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const { p } = openSim(t, {
    webhook_delivery: { allow_private_destinations: true, retry_schedule: [1, 1], jitter: 0 },
  });
  const url = `http://127.0.0.1:${server.address().port}/hooks`;
  const endpoint = p.addWebhookEndpoint({ url, eventTypes: ['intent.*'], description: 'node test' });
  assert.match(endpoint.id, /^we_/);
  assert.match(endpoint.secret, /^whsec_/);
  assert.deepEqual(p.listWebhookEndpoints().endpoints.map((e) => e.id), [endpoint.id]);
  assert.equal(p.listWebhookEndpoints().endpoints[0].secret, undefined);
  assert.throws(() => p.addWebhookEndpoint({ url }), isCode(codes.EEXISTS));
  assert.throws(() => p.addWebhookEndpoint({ url: 'ftp://x' }), isCode(codes.EINVALID));

  p.pollOnce(); // sets the chain's cursor before the payment
  const intent = p.createIntent({ orderId: 'hook-1', amount: '7.00' });
  p.simPay(intent.id);
  p.simMine(10);
  p.pollOnce();
  assert.equal(p.getIntent(intent.id).status, 'succeeded');
  p.startWebhooks();
  assert.throws(() => p.startWebhooks(), isCode(codes.ESTATE));
  assert.throws(() => p.drainWebhooks(100), isCode(codes.ESTATE));
  const deadline = Date.now() + 20000;
  const types = () => received.map((r) => JSON.parse(r.body).type);
  while (!types().includes('intent.succeeded')) {
    assert.ok(Date.now() < deadline, `only ${types().join(',')} arrived within 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const r of received) {
    usd1pay.verifyWebhook(endpoint.secret, r.headers, r.body);
    new Webhook(endpoint.secret).verify(r.body, r.headers);
    const flipped = Buffer.from(r.body);
    flipped[0] ^= 0x20;
    assert.throws(() => usd1pay.verifyWebhook(endpoint.secret, r.headers, flipped), isCode(codes.ECHECKSUM));
  }
  const succeeded = received.find((r) => JSON.parse(r.body).type === 'intent.succeeded');
  assert.equal(JSON.parse(succeeded.body).data.intent.id, intent.id);
  p.stopWebhooks();
  const report = p.drainWebhooks(100);
  assert.equal(typeof report.attempted, 'number');
});
