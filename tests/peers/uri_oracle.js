// Oracle for payment request URIs (tests/integration/request/uri_peers_test).
//
// Reads one JSON request per line on stdin, writes one JSON answer per line
// on stdout, in the same order. Every answer has "ok"; a failure has "error".
//
//   {"op":"sp_parse","uri":...}     @solana/pay parseURL
//   {"op":"sp_encode","fields":{recipient, amount (decimal string), spl_token,
//                               references, label, message, memo}}
//                                   @solana/pay encodeURL
//   {"op":"eth_parse","uri":...}    eth-url-parser parse, plus ethers' EIP-55
//                                   verdict on the addresses it found
//   {"op":"eth_build","data":{...}} eth-url-parser build
//
// @solana/pay 1.x holds the amount as a JS number. Amounts are reported in
// the format its own encodeURL writes (toFixed(10), trailing zeros and '.'
// trimmed), so the C++ side compares strings; the tests keep amounts within
// what a double carries exactly at 10 decimals.
//
// eth-url-parser keeps amounts exact (bignumber.js) but prints them at or
// above 1e21 in exponent form ("1.5e+21"). expandInteger() writes such a
// value back as plain digits, exactly, so big amounts are compared exactly.
'use strict';

const readline = require('readline');
const pay = require('@solana/pay');
const ethUrl = require('eth-url-parser');
const { getAddress } = require('ethers');

function solanaAmount(n) {
  return n.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
}

// "1.23e+23" / "123" -> "123000..." (exact; refuses anything not integral).
function expandInteger(text) {
  const m = /^(\d+)(?:\.(\d+))?(?:e\+?(\d+))?$/.exec(text);
  if (!m) throw new Error('not a plain or exponent integer: ' + text);
  const frac = m[2] || '';
  const shift = Number(m[3] || '0') - frac.length;
  if (shift < 0) {
    if (!/^0*$/.test(frac.slice(frac.length + shift))) throw new Error('not integral: ' + text);
    return (m[1] + frac.slice(0, frac.length + shift)).replace(/^0+(?=\d)/, '');
  }
  return (m[1] + frac + '0'.repeat(shift)).replace(/^0+(?=\d)/, '');
}

function checksumOk(address) {
  try {
    return getAddress(address) === address;
  } catch {
    return false;
  }
}

function handle(req) {
  switch (req.op) {
    case 'sp_parse': {
      const r = pay.parseURL(req.uri);
      if (!('recipient' in r)) throw new Error('not a transfer request');
      return {
        recipient: String(r.recipient),
        amount: r.amount === undefined ? null : solanaAmount(r.amount),
        spl_token: r.splToken === undefined ? null : String(r.splToken),
        references: (r.reference || []).map(String),
        label: r.label === undefined ? null : r.label,
        message: r.message === undefined ? null : r.message,
        memo: r.memo === undefined ? null : r.memo,
      };
    }
    case 'sp_encode': {
      const f = req.fields;
      const fields = { recipient: f.recipient };
      if (f.amount != null) fields.amount = Number(f.amount);
      if (f.spl_token != null) fields.splToken = f.spl_token;
      if (f.references && f.references.length) fields.reference = f.references;
      if (f.label != null) fields.label = f.label;
      if (f.message != null) fields.message = f.message;
      if (f.memo != null) fields.memo = f.memo;
      return { uri: String(pay.encodeURL(fields)) };
    }
    case 'eth_parse': {
      const r = ethUrl.parse(req.uri);
      const params = Object.assign({}, r.parameters || {});
      const amountKey = r.function_name === 'transfer' ? 'uint256' : 'value';
      if (params[amountKey] !== undefined) params[amountKey] = expandInteger(params[amountKey]);
      return {
        target_address: r.target_address,
        target_checksum_ok: checksumOk(r.target_address),
        chain_id: r.chain_id === undefined ? null : r.chain_id,
        function_name: r.function_name === undefined ? null : r.function_name,
        parameters: params,
        address_checksum_ok: params.address === undefined ? null : checksumOk(params.address),
      };
    }
    case 'eth_build':
      return { uri: ethUrl.build(req.data) };
    default:
      throw new Error('unknown op ' + req.op);
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let answer;
  try {
    answer = Object.assign({ ok: true }, handle(JSON.parse(line)));
  } catch (e) {
    answer = { ok: false, error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
