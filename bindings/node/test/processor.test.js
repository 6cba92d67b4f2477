// The Processor against a real store on SimChain: intents, a payment to
// succeeded, the export, and each error code a caller meets.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const usd1pay = require('..');
const { openSim, tempDir, simConfig, EVM_SIM } = require('./helpers');

const { Usd1payError, codes } = usd1pay;

/** assert.throws for a Usd1payError with this code and a message matching `re`. */
function throwsCode(fn, code, re) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Usd1payError, `expected a Usd1payError, got ${err}`);
    assert.equal(err.code, code, `code ${err.code} (${err.name}: ${err.message})`);
    assert.equal(err.name, usd1pay.errorName(code));
    if (re) assert.match(err.message, re);
    return true;
  });
}

test('an intent is created, read back and listed', (t) => {
  const { p } = openSim(t);
  const intent = p.createIntent({ orderId: 'order-1', amount: '25.00', metadata: { sku: 'A1' } });
  assert.match(intent.id, /^pi_/);
  assert.equal(intent.order_id, 'order-1');
  assert.equal(intent.status, 'requires_payment');
  assert.equal(intent.amount, '25.00');
  assert.equal(intent.amount_due, '25.00');
  assert.equal(intent.chain, EVM_SIM);
  assert.equal(intent.token, 'USD1');
  assert.deepEqual(intent.metadata, { sku: 'A1' });
  assert.match(intent.deposit_address, /^0x[0-9a-fA-F]{40}$/);
  assert.match(intent.payment_uri, /^ethereum:/);

  assert.deepEqual(p.getIntent(intent.id), intent);

  const second = p.createIntent({ order_id: 'order-2', amount: '1.5' });
  const list = p.listIntents();
  // Newest first, by creation time in milliseconds (two intents of the same
  // millisecond may come in either order).
  assert.deepEqual(list.intents.map((i) => i.id).sort(), [second.id, intent.id].sort());
  assert.ok(list.intents[0].created_at >= list.intents[1].created_at);
  assert.equal(list.next_cursor, '');
  const one = p.listIntents({ orderId: 'order-1' });
  assert.deepEqual(one.intents.map((i) => i.id), [intent.id]);
  const page = p.listIntents({ limit: 1 });
  assert.equal(page.intents.length, 1);
  assert.notEqual(page.next_cursor, '');
});

test('an idempotency key returns the same intent, and conflicts with other parameters', (t) => {
  const { p } = openSim(t);
  const a = p.createIntent({ orderId: 'o', amount: '3.00', idempotencyKey: 'k1' });
  const b = p.createIntent({ orderId: 'o', amount: '3.00', idempotencyKey: 'k1' });
  assert.equal(b.id, a.id);
  throwsCode(
    () => p.createIntent({ orderId: 'o', amount: '4.00', idempotencyKey: 'k1' }),
    codes.ECONFLICT,
  );
});

test('a SimChain payment takes the intent to succeeded, and the export shows it', (t) => {
  const { p } = openSim(t);
  const intent = p.createIntent({ orderId: 'order-77', amount: '25.00' });
  const tx = p.simPay(intent.id);
  assert.match(tx, /^0x[0-9a-f]{64}$/);

  const head = p.simMine(1);
  assert.equal(typeof head, 'number');
  const report = p.pollOnce();
  assert.equal(report.chains.length, 1);
  assert.equal(report.chains[0].chain, EVM_SIM);
  assert.equal(report.chains[0].ok, true);
  assert.equal(p.getIntent(intent.id).status, 'processing');

  assert.equal(p.simMine(5), head + 5);
  p.pollOnce();
  const paid = p.getIntent(intent.id);
  assert.equal(paid.status, 'succeeded');

  const found = p.lookup(tx);
  assert.deepEqual(found.intents.map((i) => i.id), [intent.id]);
  assert.equal(found.payments.length, 1);

  const events = p.listEvents({ intentId: intent.id });
  const types = events.events.map((e) => e.type);
  assert.equal(types[0], 'intent.created');
  assert.ok(types.includes('intent.succeeded'), types.join(','));
  const all = p.listEvents();
  const firstTwo = p.listEvents({ limit: 2 });
  assert.deepEqual(firstTwo.events, all.events.slice(0, 2));
  const rest = p.listEvents({ afterSeq: BigInt(firstTwo.next_after_seq) });
  assert.deepEqual(rest.events, all.events.slice(2));
  assert.deepEqual(p.listEvents({ afterSeq: all.next_after_seq }).events, []);
  throwsCode(() => p.listEvents({ limit: 0 }), codes.ERANGE, /limit/);
  throwsCode(() => p.listEvents({ intentId: 'pi_x' }), codes.EINVALID);
  assert.throws(() => p.listEvents({ afterSeq: -1 }), (e) => e.code === codes.ERANGE);
  assert.throws(() => p.listEvents({ afterSeq: 1.5 }), TypeError);

  const csv = p.export({ format: 'csv' });
  assert.equal(csv.records, 1);
  assert.equal(csv.file, null);
  assert.equal(csv.bytes, Buffer.byteLength(csv.content));
  assert.equal(csv.sha256, require('crypto').createHash('sha256').update(csv.content).digest('hex'));
  const lines = csv.content.split('\r\n');
  assert.match(lines[0], /^schema_version,settlement_time,order_id,intent_id,status,/);
  const row = lines[1].split(',');
  assert.equal(row[2], 'order-77');
  assert.equal(row[3], intent.id);
  assert.equal(row[4], 'matched');
  assert.equal(row[11], tx);
  assert.equal(row[19], '25.00');
  assert.equal(lines[2], '');
  assert.equal(lines.length, 3);
});

test('an export to a file writes the file and no content', (t) => {
  const { p, dir } = openSim(t);
  p.createIntent({ orderId: 'x', amount: '2.00' });
  const out = path.join(dir, 'export.jsonl');
  const r = p.export({ format: 'jsonl', out });
  assert.equal(r.content, undefined);
  assert.equal(r.file, out);
  assert.equal(r.format, 'jsonl');
  assert.equal(r.records, 1);
  assert.equal(r.bytes, fs.statSync(out).size);
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]).order_id, 'x');
  assert.equal(JSON.parse(lines[0]).status, 'unpaid');
  throwsCode(() => p.export({ format: 'xml' }), codes.EINVALID, /format/);
});

test('bad amounts: EINVALID for malformed, ERANGE for too many decimals, TypeError for numbers', (t) => {
  const { p } = openSim(t);
  throwsCode(() => p.createIntent({ orderId: 'a', amount: '25.0x' }), codes.EINVALID, /amount/);
  throwsCode(() => p.createIntent({ orderId: 'a', amount: '' }), codes.EINVALID, /amount/);
  throwsCode(() => p.createIntent({ orderId: 'a', amount: '-1.00' }), codes.EINVALID, /amount/);
  throwsCode(() => p.createIntent({ orderId: 'a', amount: '25.001' }), codes.ERANGE, /amount/);
  assert.throws(() => p.createIntent({ orderId: 'a', amount: 25 }), {
    name: 'TypeError',
    message: /decimal string.*never floating point/,
  });
  assert.throws(() => p.createIntent({ orderId: 'a', amount: 25.5 }), TypeError);
  assert.throws(() => p.createIntent({ orderId: 'a', amount: 2500n }), TypeError);
  assert.throws(() => p.simPay('pi_x', 1.5), TypeError);
  // Nothing was created by any of these.
  assert.deepEqual(p.listIntents().intents, []);
});

test('bad requests are refused naming the field', (t) => {
  const { p } = openSim(t);
  throwsCode(() => p.createIntent({ amount: '1.00' }), codes.EINVALID, /order_id/);
  throwsCode(() => p.createIntent({ orderId: 'a', amount: '1.00', colour: 'red' }), codes.EINVALID, /colour/);
  throwsCode(
    () => p.createIntent({ orderId: 'a', amount: '1.00', chain: 'eip155:9' }),
    codes.EINVALID,
    /chain 'eip155:9' is not configured/,
  );
  throwsCode(() => p.createIntent({ orderId: 'a', order_id: 'b', amount: '1.00' }), codes.EINVALID, /twice/);
  assert.throws(() => p.createIntent('order'), TypeError);
  assert.throws(() => p.createIntent(null), TypeError);
  throwsCode(() => p.listIntents({ limit: 0 }), codes.ERANGE, /limit/);
  throwsCode(() => p.listIntents({ status: 'paid-ish' }), codes.EINVALID, /status/);
});

test('unknown ids are ENOTFOUND, malformed ones EINVALID, wrong types TypeError', (t) => {
  const { p } = openSim(t);
  throwsCode(() => p.getIntent('pi_000000000000000000000000'), codes.ENOTFOUND);
  throwsCode(() => p.cancelIntent('pi_000000000000000000000000'), codes.ENOTFOUND);
  throwsCode(() => p.simPay('pi_000000000000000000000000'), codes.ENOTFOUND);
  throwsCode(() => p.getIntent(''), codes.EINVALID);
  throwsCode(() => p.getIntent('pi_a\0b'), codes.EINVALID, /NUL character at position 4/);
  assert.throws(() => p.getIntent(42), TypeError);
  assert.throws(() => p.getIntent(undefined), TypeError);
  assert.throws(() => p.getIntent(null), TypeError);
  throwsCode(() => p.lookup(''), codes.EINVALID);
  assert.deepEqual(p.lookup('nothing-like-this').intents, []);
});

test('cancel: once is fine, twice is ESTATE naming the status', (t) => {
  const { p } = openSim(t);
  const intent = p.createIntent({ orderId: 'c', amount: '5.00' });
  const canceled = p.cancelIntent(intent.id, 'support');
  assert.equal(canceled.status, 'canceled');
  assert.equal(p.getIntent(intent.id).status, 'canceled');
  throwsCode(() => p.cancelIntent(intent.id), codes.ESTATE, /canceled/);
});

test('SimChain refuses what it cannot do', (t) => {
  const { p } = openSim(t);
  const intent = p.createIntent({ orderId: 'm', amount: '5.00' });
  throwsCode(() => p.simPay(intent.id, '5.0000000000000000001'), codes.ERANGE);
  throwsCode(() => p.simPay(intent.id, 'five'), codes.EINVALID);
  throwsCode(() => p.simMine(0), codes.ERANGE);
  throwsCode(() => p.simMine(1, 'eip155:424242'), codes.ENOTFOUND);
  assert.throws(() => p.simMine(1.5), TypeError);
  throwsCode(() => p.simMine(-1), codes.ERANGE);
});

test('the tracker: poll-once is refused while the background tracker runs', (t) => {
  const { p } = openSim(t);
  p.startTracker();
  throwsCode(() => p.startTracker(), codes.ESTATE);
  throwsCode(() => p.pollOnce(), codes.ESTATE);
  assert.equal(p.trackerStats().running, true);
  p.stopTracker();
  p.stopTracker(); // stopping a stopped tracker is fine
  assert.equal(p.trackerStats().running, false);
  p.pollOnce();
});

test('the background tracker pays an intent while the event loop runs', async (t) => {
  const { p } = openSim(t, {}, { pollIntervalMs: 50 });
  const waitFor = async (what, cond) => {
    const deadline = Date.now() + 20000;
    while (!cond()) {
      assert.ok(Date.now() < deadline, `${what}: not within 20 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  p.startTracker();
  // The first poll sets the chain's cursor (a chain never scanned starts
  // near its head: docs/tracking.md); the payment comes after it.
  await waitFor('first poll', () => p.trackerStats().polls >= 1);
  const intent = p.createIntent({ orderId: 'bg', amount: '9.99' });
  p.simPay(intent.id);
  p.simMine(1);
  await waitFor('processing', () => p.getIntent(intent.id).status === 'processing');
  p.simMine(5);
  await waitFor('succeeded', () => p.getIntent(intent.id).status === 'succeeded');
  assert.equal(p.trackerStats().payments_detected, 1);
});

test('use after close is ECLOSED; closing twice is fine', (t) => {
  const dir = tempDir(t);
  const p = usd1pay.Processor.open(simConfig(dir));
  const intent = p.createIntent({ orderId: 'z', amount: '1.00' });
  p.close();
  p.close();
  throwsCode(() => p.getIntent(intent.id), codes.ECLOSED);
  throwsCode(() => p.createIntent({ orderId: 'z2', amount: '1.00' }), codes.ECLOSED);
  throwsCode(() => p.pollOnce(), codes.ECLOSED);
  throwsCode(() => p.startTracker(), codes.ECLOSED);
  // The store is closed, not lost: a new processor reads the intent.
  const again = usd1pay.Processor.open(simConfig(dir));
  try {
    assert.equal(again.getIntent(intent.id).order_id, 'z');
  } finally {
    again.close();
  }
});

test('open: from a file, a bad configuration names the key, a missing file is EIO', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'usd1pay.json');
  fs.writeFileSync(file, JSON.stringify(simConfig(dir)));
  const p = usd1pay.Processor.open(file, { storePath: path.join(dir, 'other.db'), pollIntervalMs: 100 });
  p.createIntent({ orderId: 'f', amount: '1.00' });
  p.close();
  assert.ok(fs.existsSync(path.join(dir, 'other.db')));
  assert.ok(!fs.existsSync(path.join(dir, 'usd1pay.db')));

  throwsCode(() => usd1pay.Processor.open(path.join(dir, 'missing.json')), codes.EIO, /missing\.json/);
  const bad = simConfig(dir);
  bad.store.paht = 'x';
  throwsCode(() => usd1pay.Processor.open(bad), codes.EINVALID, /paht/);
  throwsCode(() => usd1pay.Processor.open(simConfig(dir), { storepath: 'x' }), codes.EINVALID, /storepath/);
  assert.throws(() => usd1pay.Processor.open(42), TypeError);
  assert.throws(() => usd1pay.Processor.open(simConfig(dir), { pollIntervalMs: '5' }), TypeError);
  assert.throws(() => new usd1pay.Processor(), TypeError);
});

test('expireDue: nothing is due yet; an expiry below the minimum is ERANGE', (t) => {
  const { p } = openSim(t);
  p.createIntent({ orderId: 'e', amount: '1.00', expiresInSeconds: 900 });
  assert.equal(p.expireDue(), 0);
  throwsCode(() => p.createIntent({ orderId: 'e', amount: '1.00', expiresInSeconds: 1 }), codes.ERANGE);
});
