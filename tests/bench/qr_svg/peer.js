// Peer side of bench.qr_svg: the npm `qrcode` package's QRCode.toString(text,
// {type: 'svg', errorCorrectionLevel: 'M'}) in a loop for a fixed time after a
// warm-up, so that node's start-up and JIT warm-up are not counted. With a
// callback the package renders synchronously, so no promise overhead is timed.
// Prints "ops_per_sec=<x> wall_ops_per_sec=<y> version=<v> svg_bytes=<n>";
// ops_per_sec is per second of this process's CPU time (all threads: JIT and
// GC included), as on the usd1pay side.
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

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function runFor(s) {
  const start = process.hrtime.bigint();
  const cpuStart = cpuSeconds();
  let n = 0;
  for (;;) {
    for (let i = 0; i < 16; ++i) once();
    n += 16;
    const cpu = cpuSeconds() - cpuStart;
    if (cpu >= s) return [n, cpu, Number(process.hrtime.bigint() - start) / 1e9];
  }
}

runFor(warmup);
const [n, cpu, wall] = runFor(seconds);
const version = QRCode.create(payload, { errorCorrectionLevel: 'M' }).version;
console.log(`ops_per_sec=${(n / cpu).toFixed(1)} wall_ops_per_sec=${(n / wall).toFixed(1)} ` +
            `version=${version} svg_bytes=${once().length} sink=${sink}`);
