// Nothing the library returns is leaked: every string and byte buffer that
// crosses through a `char **` output is freed by the binding. Measured with
// glibc's mallinfo2() (the library allocates with malloc): hundreds of calls
// whose replies, if kept, would add tens of megabytes leave the heap within a
// small margin.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const koffi = require('koffi');
const usd1pay = require('..');
const { openSim } = require('./helpers');

const libc = koffi.load('libc.so.6');
const fields = ['arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks', 'uordblks', 'fordblks', 'keepcost'];
koffi.struct('mallinfo2', Object.fromEntries(fields.map((f) => [f, 'size_t'])));
const mallinfo2 = libc.func('mallinfo2 mallinfo2(void)');

/** Bytes malloc has handed out and not taken back (small blocks + mmapped ones). */
function heapInUse() {
  const m = mallinfo2();
  return Number(m.uordblks) + Number(m.hblkhd);
}

// Under AddressSanitizer (LD_PRELOAD) the malloc every library calls is not
// glibc's and mallinfo2() does not see it: these tests are skipped there. The
// probe takes malloc as the library does, from the global namespace.
const process_ = koffi.load(null);
const malloc = process_.func('void* malloc(size_t size)');
const free = process_.func('void free(void* ptr)');
function heapIsGlibc() {
  const before = heapInUse();
  const block = malloc(4 * 1024 * 1024);
  const seen = heapInUse() - before;
  free(block);
  return seen >= 4 * 1024 * 1024;
}
const skip = heapIsGlibc() ? false : 'malloc is not glibc\'s here (a sanitizer?): mallinfo2() cannot see it';

/** Heap growth over `rounds` calls of fn, after a warm-up. */
function growth(rounds, fn) {
  for (let i = 0; i < 20; i++) fn();
  const before = heapInUse();
  for (let i = 0; i < rounds; i++) fn();
  return heapInUse() - before;
}

const MB = 1024 * 1024;

test('QR renderings are freed', { skip }, () => {
  const payload = 'x'.repeat(1000);
  const replyBytes = usd1pay.qrSvg(payload).length + usd1pay.qrTerminal(payload).length + usd1pay.qrPng(payload).length;
  const rounds = 150;
  assert.ok(rounds * replyBytes > 8 * MB, 'the leak this test would see must be large');
  const grew = growth(rounds, () => {
    usd1pay.qrSvg(payload);
    usd1pay.qrTerminal(payload);
    usd1pay.qrPng(payload);
  });
  assert.ok(grew < 2 * MB, `the heap grew by ${grew} bytes over ${rounds} rounds`);
});

test('JSON replies and error paths are freed', { skip }, (t) => {
  const { p } = openSim(t);
  const metadata = { note: 'n'.repeat(3000) };
  for (let i = 0; i < 50; i++) p.createIntent({ orderId: `m-${i}`, amount: '1.00', metadata });
  const replyBytes = JSON.stringify(p.listIntents({ limit: 50 })).length;
  const rounds = 200;
  assert.ok(rounds * replyBytes > 8 * MB, 'the leak this test would see must be large');
  const grew = growth(rounds, () => {
    p.listIntents({ limit: 50 });
    assert.throws(() => p.getIntent('pi_000000000000000000000000'), usd1pay.Usd1payError);
    assert.throws(() => p.createIntent({ orderId: 'x', amount: 'bad' }), usd1pay.Usd1payError);
  });
  assert.ok(grew < 2 * MB, `the heap grew by ${grew} bytes over ${rounds} rounds`);
});
