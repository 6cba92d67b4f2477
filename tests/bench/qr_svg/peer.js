// Peer side of bench.qr_svg: the npm `qrcode` package's QRCode.toString(text,
// {type: 'svg', errorCorrectionLevel: 'M'}) in a loop for a fixed time after a
// warm-up, so that node's start-up and JIT warm-up are not counted. With a
// callback the package renders synchronously, so no promise overhead is timed.
// Prints "ops_per_sec=<x> version=<v> svg_bytes=<n>".
'use strict';
const QRCode = require('qrcode');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const payload = arg('--payload', '');
const seconds = Number(arg('--seconds', '5'));
const warmup = Number(arg('--warmup', '1'));
if (!payload || !(seconds > 0)) {
  console.error('usage: node peer.js --payload TEXT [--seconds S] [--warmup S]');
  process.exit(2);
}

const opts = { type: 'svg', errorCorrectionLevel: 'M' };
let sink = 0;
function once() {
  let out = null;
  QRCode.toString(payload, opts, (err, svg) => {
    if (err) throw err;
    out = svg;
  });
  if (typeof out !== 'string' || !out.startsWith('<svg')) throw new Error('no SVG produced');
  sink += out.length;
  return out;
}

function runFor(s) {
  const start = process.hrtime.bigint();
  let n = 0;
  for (;;) {
    for (let i = 0; i < 16; ++i) once();
    n += 16;
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    if (elapsed >= s) return [n, elapsed];
  }
}

runFor(warmup);
const [n, elapsed] = runFor(seconds);
const version = QRCode.create(payload, { errorCorrectionLevel: 'M' }).version;
console.log(`ops_per_sec=${(n / elapsed).toFixed(1)} version=${version} svg_bytes=${once().length} sink=${sink}`);
