// EIP-55 validation speed of ethers (getAddress), the peer of bench_eip55.
//   node peer.js FILE   validates every line; prints "OPS <ops/s>"
// Fails when any address does not come back exactly as given.
'use strict';
const fs = require('fs');
const { getAddress } = require('ethers');

const addresses = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l !== '');
if (addresses.length === 0) {
  console.error('peer.js: no addresses');
  process.exit(1);
}
// Warm-up so that the JIT has compiled getAddress before timing.
for (const a of addresses.slice(0, 10000)) getAddress(a);
let same = 0;
const start = process.hrtime.bigint();
for (const a of addresses) {
  if (getAddress(a) === a) same++;
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
if (same !== addresses.length) {
  console.error(`peer.js: only ${same} of ${addresses.length} came back unchanged`);
  process.exit(1);
}
console.log(`OPS ${Math.round(addresses.length / secs)}`);
