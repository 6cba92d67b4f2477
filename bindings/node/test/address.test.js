// Address validation through the binding: canonical spellings and each way an
// address can be wrong.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const usd1pay = require('..');

const { Usd1payError, codes } = usd1pay;
const isCode = (code, re) => (err) =>
  err instanceof Usd1payError && err.code === code && (!re || re.test(err.message));

// The EIP-55 example vectors.
const EIP55 = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';

test('EVM addresses come back in EIP-55 case', () => {
  assert.equal(usd1pay.validateAddress('eip155:1', EIP55.toLowerCase()), EIP55);
  assert.equal(usd1pay.validateAddress('evm', EIP55), EIP55);
});

test('Solana and TRON addresses are accepted as canonical', () => {
  const sol = '3Koo8UGnRrxpiK1hMaXeqmw7L9DxWmcexfuVrW28hML7';
  assert.equal(usd1pay.validateAddress('solana', sol), sol);
  const tron = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
  assert.equal(usd1pay.validateAddress('tron', tron), tron);
});

test('bad addresses: checksum, character, length, chain', () => {
  const wrongCase = EIP55.replace('aA', 'Aa');
  assert.throws(() => usd1pay.validateAddress('evm', wrongCase), isCode(codes.ECHECKSUM));
  assert.throws(
    () => usd1pay.validateAddress('evm', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeZ'),
    isCode(codes.EINVALID, /position/),
  );
  assert.throws(() => usd1pay.validateAddress('evm', '0x1234'), isCode(codes.EINVALID));
  assert.throws(() => usd1pay.validateAddress('tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u'), isCode(codes.ECHECKSUM));
  assert.throws(() => usd1pay.validateAddress('bitcoin', EIP55), isCode(codes.EINVALID));
  assert.throws(() => usd1pay.validateAddress('evm', ''), isCode(codes.EINVALID));
  assert.throws(() => usd1pay.validateAddress('evm', EIP55 + '\0'), isCode(codes.EINVALID, /NUL/));
  assert.throws(() => usd1pay.validateAddress('evm', 42), TypeError);
  assert.throws(() => usd1pay.validateAddress(undefined, EIP55), TypeError);
});
