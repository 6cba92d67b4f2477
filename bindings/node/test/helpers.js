// Shared set-up of the Node binding's tests: a temporary directory, a
// SimChain configuration, the npm peers of tests/peers.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const repoRoot = path.join(__dirname, '..', '..', '..');

/** An npm peer: through NODE_PATH, else from the source tree's tests/peers. */
function requirePeer(name) {
  try {
    return require(name);
  } catch (err) {
    return require(path.join(repoRoot, 'tests', 'peers', 'node_modules', name));
  }
}

function makeDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'usd1pay-node-'));
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A fresh directory, removed when the test (context `t`) ends. (node:test
 * runs after-hooks in the order they were added: open processors on it
 * first, or close them in the test.)
 */
function tempDir(t) {
  const dir = makeDir();
  t.after(() => removeDir(dir));
  return dir;
}

const EVM_SIM = 'eip155:1337';

/** A SimChain configuration (3 confirmations) with its store in `dir`. */
function simConfig(dir, overrides = {}) {
  return {
    version: 1,
    store: { path: path.join(dir, 'usd1pay.db'), synchronous: 'normal' },
    chains: [
      {
        id: EVM_SIM,
        backend: 'sim',
        finality: { kind: 'confirmations', confirmations: 3 },
        tokens: [
          { symbol: 'USD1', contract: '0x46f55d6933f9bF2CbF96565EaC0E91C3577f32fA', decimals: 18 },
        ],
        strategy: 'xpub',
        xpub:
          'xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54JoNXVsXFYSYwHsnJxqP',
        derivation_path: '0',
      },
    ],
    default_expiry_seconds: 900,
    actor: 'api',
    ...overrides,
  };
}

/**
 * A processor on a SimChain configuration in a fresh directory; closed, then
 * the directory removed, when the test ends.
 */
function openSim(t, overrides = {}, options = undefined) {
  const usd1pay = require('..');
  const dir = makeDir();
  let p;
  try {
    p = usd1pay.Processor.open(simConfig(dir, overrides), options);
  } catch (err) {
    removeDir(dir);
    throw err;
  }
  t.after(() => {
    try {
      p.close();
    } finally {
      removeDir(dir);
    }
  });
  return { p, dir };
}

module.exports = { repoRoot, requirePeer, tempDir, simConfig, openSim, EVM_SIM };
