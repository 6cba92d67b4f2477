// QR codes: the PNG decodes (zbarimg, not ours) to the payment URI; SVG and
// terminal renderings; bad input.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const usd1pay = require('..');
const { openSim, tempDir } = require('./helpers');

const { Usd1payError, codes } = usd1pay;

function zbar(file) {
  return execFileSync('zbarimg', ['--quiet', '--raw', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).replace(/\n$/, '');
}

test('the PNG of an intent decodes to its payment URI', (t) => {
  const { p, dir } = openSim(t);
  const intent = p.createIntent({ orderId: 'qr-1', amount: '25.00' });
  const png = usd1pay.qrPng(intent.payment_uri);
  assert.ok(Buffer.isBuffer(png));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const file = path.join(dir, 'qr.png');
  fs.writeFileSync(file, png);
  assert.equal(zbar(file), intent.payment_uri);

  // Options change the image: bigger modules, higher error correction.
  const big = usd1pay.qrPng(intent.payment_uri, { pngModulePixels: 16, errorCorrection: 'H' });
  assert.ok(big.length > png.length);
  fs.writeFileSync(file, big);
  assert.equal(zbar(file), intent.payment_uri);
});

test('SVG and terminal renderings', () => {
  const svg = usd1pay.qrSvg('ethereum:0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA@1337');
  assert.match(svg, /<svg[^>]*>/);
  assert.match(svg, /<\/svg>\s*$/);
  const sized = usd1pay.qrSvg('hello', { svgSizePx: 300 });
  assert.match(sized, /width="300"/);

  const text = usd1pay.qrTerminal('hello');
  const lines = text.split('\n');
  assert.equal(lines.pop(), '');
  assert.ok(lines.length > 5);
  assert.ok(/[\u2580\u2584\u2588]/.test(text), 'half blocks expected');
  assert.notEqual(usd1pay.qrTerminal('hello', { terminalStyle: 'light' }), text);
  assert.match(usd1pay.qrTerminal('hello', { terminalStyle: 'ansi' }), /\x1b\[/);
});

test('bad QR input: empty, too long, bad options, wrong types', () => {
  const isCode = (code) => (err) => err instanceof Usd1payError && err.code === code;
  assert.throws(() => usd1pay.qrSvg(''), isCode(codes.EINVALID));
  assert.throws(() => usd1pay.qrPng('x'.repeat(5000)), isCode(codes.ERANGE));
  assert.throws(() => usd1pay.qrTerminal('x'.repeat(5000)), isCode(codes.ERANGE));
  assert.throws(() => usd1pay.qrPng('x', { quietZone: 65 }), isCode(codes.EINVALID));
  assert.throws(() => usd1pay.qrPng('x', { pngModulePixels: 0 }), isCode(codes.EINVALID));
  assert.throws(() => usd1pay.qrPng('x', { errorCorrection: 'Z' }), isCode(codes.EINVALID));
  assert.throws(() => usd1pay.qrPng('x', { colour: 'red' }), isCode(codes.EINVALID));
  assert.throws(() => usd1pay.qrPng('x', { quietZone: 1.5 }), TypeError);
  assert.throws(() => usd1pay.qrPng('x', 'big'), TypeError);
  assert.throws(() => usd1pay.qrPng(42), TypeError);
  assert.throws(() => usd1pay.qrSvg(null), TypeError);
});
