// Address oracle for usd1pay's integration tests: ethers (EIP-55), tronweb and
// @solana/web3.js judge the inputs usd1pay judged. One JSON request per input
// line, one JSON answer per output line, in order.
//   {"op":"evm","input":s}          -> {"isAddress":b,"getAddress":s|null}
//   {"op":"tron","input":s}         -> {"isAddress":b}
//   {"op":"tron_from_hex","hex":s}  -> {"address":s}
//   {"op":"solana","input":s}       -> {"valid":b,"base58":s|null}
//   {"op":"solana_bytes","hex":s}   -> {"base58":s}
//   {"op":"keccak","hex":s}         -> {"digest":s}  (0x-prefixed)
'use strict';
const readline = require('readline');
const { getAddress, isAddress, keccak256 } = require('ethers');
const { TronWeb } = require('tronweb');
const { PublicKey } = require('@solana/web3.js');

function answer(req) {
  switch (req.op) {
    case 'evm': {
      let canonical = null;
      try { canonical = getAddress(req.input); } catch (e) { canonical = null; }
      return { isAddress: isAddress(req.input), getAddress: canonical };
    }
    case 'tron':
      return { isAddress: TronWeb.isAddress(req.input) };
    case 'tron_from_hex':
      return { address: TronWeb.address.fromHex(req.hex) };
    case 'solana': {
      try {
        return { valid: true, base58: new PublicKey(req.input).toBase58() };
      } catch (e) {
        return { valid: false, base58: null };
      }
    }
    case 'solana_bytes':
      return { base58: new PublicKey(Buffer.from(req.hex, 'hex')).toBase58() };
    case 'keccak':
      return { digest: keccak256(Buffer.from(req.hex, 'hex')) };
    default:
      throw new Error('unknown op ' + req.op);
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
rl.on('line', (line) => {
  if (line.trim() === '') return;
  out.push(JSON.stringify(answer(JSON.parse(line))));
});
rl.on('close', () => {
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
});
