// Deposit-address derivation speed of ethers (HDNodeWallet), the peer of
// bench_xpub.
//   node peer.js run XPUB N   prints "OPS <addresses/s>" and "CHECK <address of N-1>"
//   node peer.js account      prints "XPUB <xpub>": an account key (m/44'/60'/0')
//                             from a fixed seed, the input of both sides
'use strict';
const { HDNodeWallet } = require('ethers');

if (process.argv[2] === 'account') {
  const seed = '0x' + '5eed'.repeat(16);
  console.log('XPUB ' + HDNodeWallet.fromSeed(seed).derivePath("m/44'/60'/0'").neuter().extendedKey);
  process.exit(0);
}
if (process.argv[2] !== 'run' || process.argv.length !== 5) {
  console.error('usage: node peer.js run XPUB N | node peer.js account');
  process.exit(2);
}
const n = Number(process.argv[4]);
const base = HDNodeWallet.fromExtendedKey(process.argv[3]).deriveChild(0);
let last = '';
let chars = 0;
function pass(count) {
  for (let i = 0; i < count; i++) {
    last = base.deriveChild(i).address;
    chars += last.length;
  }
}
// Warm-up so that the JIT has compiled the derivation before timing.
pass(Math.min(n, 1000));
const start = process.hrtime.bigint();
pass(n);
const secs = Number(process.hrtime.bigint() - start) / 1e9;
if (chars === 0) process.exit(1);
console.log(`OPS ${Math.round(n / secs)}`);
console.log(`CHECK ${last}`);
