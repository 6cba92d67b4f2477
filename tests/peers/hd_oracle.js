// BIP-32 oracle for usd1pay's integration tests: ethers 6 (HDNodeWallet) makes
// account keys and derives children from extended public keys; tronweb judges
// the TRON spellings. One JSON request per input line, one JSON answer per
// output line, in order.
//   {"op":"account","seed":hex,"path":s}   -> {"xpub":s}   m-path from a seed, neutered
//   {"op":"random_account","path":s}       -> {"xpub":s}   from HDNodeWallet.createRandom
//   {"op":"derive","xpub":s,"prefix":s,"indexes":[n]}   (a watch-only HDNodeVoidWallet)
//        -> {"children":[{"address":s,"xpub":s}]}
//        fromExtendedKey(xpub).derivePath(`${prefix}/${i}`)
//   {"op":"tron","accounts":[hex],"addresses":[s]}
//        -> {"fromHex":[s],"isAddress":[b]}  TronWeb.address.fromHex('41'+hex), isAddress(address)
'use strict';
const readline = require('readline');
const {HDNodeWallet} = require('ethers');
const {TronWeb} = require('tronweb');

function answer(req) {
  switch (req.op) {
    case 'account':
      return {
        xpub: HDNodeWallet.fromSeed('0x' + req.seed).derivePath(req.path).neuter().extendedKey
      };
    case 'random_account':
      return {xpub: HDNodeWallet.createRandom(undefined, req.path).neuter().extendedKey};
    case 'derive': {
      const root = HDNodeWallet.fromExtendedKey(req.xpub);
      return {
        children: req.indexes.map((i) => {
          const node = root.derivePath(req.prefix === '' ? String(i) : `${req.prefix}/${i}`);
          return {address: node.address, xpub: node.extendedKey};
        }),
      };
    }
    case 'tron':
      return {
        fromHex: req.accounts.map((hex) => TronWeb.address.fromHex('41' + hex)),
        isAddress: req.addresses.map((a) => TronWeb.isAddress(a)),
      };
    default: throw new Error('unknown op ' + req.op);
  }
}

const rl = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
const out = [];
rl.on('line', (line) => {
  if (line.trim() === '') return;
  out.push(JSON.stringify(answer(JSON.parse(line))));
});
rl.on('close', () => {
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
});
