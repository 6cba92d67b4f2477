// The binding declares every function of include/usd1pay/usd1pay.h, each with
// the header's own signature (so a change to the header cannot go unnoticed
// here), and the library really exports each one.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { repoRoot } = require('./helpers');
const usd1pay = require('..');

/** One spelling for a declaration: no comments, one space, none around * ( ) ,. */
function normalise(decl) {
  return decl
    .replace(/\s+/g, ' ')
    .replace(/\s*([*(),])\s*/g, '$1')
    .trim();
}

function headerDeclarations() {
  const file = process.env.USD1PAY_HEADER || path.join(repoRoot, 'include', 'usd1pay', 'usd1pay.h');
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/^\s*#.*$/gm, ' ');
  const decls = new Map();
  for (const m of text.matchAll(/USD1PAY_EXTERN\s+([^;]+);/g)) {
    const decl = normalise(m[1]);
    const name = decl.match(/(usd1pay_\w+)\(/)[1];
    decls.set(name, decl);
  }
  return decls;
}

test('every usd1pay_* function of the header is declared with its signature', () => {
  const header = headerDeclarations();
  assert.ok(header.size >= 40, `only ${header.size} declarations found in the header`);
  const ours = new Map(
    usd1pay._prototypes.map((p) => [p.match(/(usd1pay_\w+)\(/)[1], normalise(p)]),
  );
  for (const [name, decl] of header) {
    assert.ok(ours.has(name), `${name} is not declared by the Node binding`);
    assert.equal(ours.get(name), decl, `${name}: the binding's signature differs from the header`);
  }
  for (const name of ours.keys()) {
    assert.ok(header.has(name), `${name} is declared by the binding but not in the header`);
  }
});

test('the option structs have the header\'s fields, in its order', () => {
  const file = process.env.USD1PAY_HEADER || path.join(repoRoot, 'include', 'usd1pay', 'usd1pay.h');
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const structs = [...text.matchAll(/typedef struct (\w+)\s*\{([^}]*)\}\s*\w+\s*;/g)];
  assert.equal(structs.length, Object.keys(usd1pay._structs).length);
  for (const [, name, body] of structs) {
    assert.equal(normalise(usd1pay._structs[name] || ''), normalise(body), `struct ${name}`);
  }
});

test('the library is the one asked for and answers version queries', () => {
  if (process.env.USD1PAY_LIBRARY) assert.equal(usd1pay.libraryPath, process.env.USD1PAY_LIBRARY);
  assert.match(usd1pay.version(), /^\d+\.\d+\.\d+$/);
  const f = usd1pay.features();
  assert.equal(typeof f.bits, 'number');
  assert.equal(f.sim, true);
  assert.equal(f.sqlite, true);
  assert.equal(f.png, true);
});

test('error names are the library\'s', () => {
  for (const [k, v] of Object.entries(usd1pay.codes)) {
    assert.equal(usd1pay.errorName(v), 'USD1PAY_' + k);
  }
  assert.equal(usd1pay.errorName(-999), 'USD1PAY_UNKNOWN');
  assert.throws(() => usd1pay.errorName('x'), TypeError);
});

test('index.d.ts declares every export and every Processor method', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
  for (const name of Object.keys(usd1pay)) {
    if (name.startsWith('_')) continue;
    assert.match(dts, new RegExp(`export declare (function|class|const) ${name}\\b`), name);
  }
  const methods = Object.getOwnPropertyNames(usd1pay.Processor.prototype).filter(
    (m) => m !== 'constructor',
  );
  assert.ok(methods.length >= 20);
  for (const m of methods) assert.match(dts, new RegExp(`\\n  ${m}\\(`), `Processor.${m}`);
  assert.match(dts, /\n  static open\(/);
});
