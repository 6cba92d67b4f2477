// The checkout sample (samples/checkout/shop.py, Python binding) end to end,
// with real parts only: a ganache node with a real ERC-20 contract, the shop
// as a real process, headless Chromium (Debian `chromium`) driven by
// playwright-core, and zbarimg reading the QR code off the screen.
//
//   1. start ganache, deploy the token, fund a customer (tests/peers/erc20.js);
//   2. start the shop on a copy of samples/checkout/usd1pay.json pointing at
//      that node and token;
//   3. in the browser: open the shop, click "Pay with USD1" for the T-shirt,
//      READ the amount, token and deposit address from the page, decode the QR
//      from a screenshot of it and check it is the wallet link;
//   4. a forged webhook (wrong secret) and an unsigned one are refused with
//      400 and leave the order unpaid;
//   5. pay that amount to that address with a real ERC-20 transfer, see the
//      page say "confirming" (1 of 2 confirmations), mine one block, and wait
//      for the page to say "Paid";
//   6. screenshots before and after go to --out (the build directory).
//
// Usage: node checkout_e2e.mjs --out DIR   (env USD1PAY_LIBRARY: the built
// libusd1pay.so; USD1PAY_PEERS_DIR: tests/peers, default from this file's
// place; PYTHON: python3). Exit 0 on success; every child process is killed on
// any failure, and a watchdog ends the run after 55 s.
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, '..', '..', '..');
const peers = process.env.USD1PAY_PEERS_DIR || path.join(source, 'tests', 'peers');
const require = createRequire(path.join(peers, 'package.json'));
const {chromium} = require('playwright-core');

const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? process.argv[outArg + 1] : os.tmpdir();
const python = process.env.PYTHON || 'python3';
const DECIMALS = 18;
const CONFIRMATIONS = 2;  // samples/checkout/usd1pay.json
const WATCHDOG_MS = 55000;

const children = [];  // {name, proc}: killed in cleanup(), whatever happens
let browser = null;
let tmp = null;

function log(...a) {
  console.log('[checkout_e2e]', ...a);
}

function fail(message) {
  throw new Error(message);
}

// Each child leads its own process group, so that whatever it starts dies with it.
function start(name, cmd, args, opts = {}) {
  const proc = spawn(cmd, args, {...opts, detached: true, stdio: ['pipe', 'pipe', 'pipe']});
  children.push({name, proc});
  proc.stderrText = '';
  proc.stderr.on('data', (d) => {
    proc.stderrText += d.toString();
  });
  proc.on('exit', (code, signal) => {
    proc.exited = {code, signal};
  });
  return proc;
}

function killAll(signal) {
  for (const {proc} of children) {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

async function cleanup() {
  if (browser) {
    await Promise.race([browser.close().catch(() => {}), sleep(5000)]);
    browser = null;
  }
  killAll('SIGTERM');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline &&
         children.some(({proc}) => proc.exitCode === null && proc.signalCode === null)) {
    await sleep(50);
  }
  killAll('SIGKILL');
  if (tmp) fs.rmSync(tmp, {recursive: true, force: true});
  tmp = null;
}

// Last resort when node itself is leaving (an uncaught error, the watchdog).
process.on('exit', () => killAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`[checkout_e2e] FAILED: ${signal}`);
    cleanup().finally(() => process.exit(1));
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

// The erc20.js JSON-lines driver: one command, one answer, in order.
function erc20Driver(rpcUrl) {
  const proc = start('erc20.js', process.execPath, [path.join(peers, 'erc20.js'), rpcUrl],
                     {env: {...process.env, NODE_PATH: path.join(peers, 'node_modules')}});
  const lines = readline.createInterface({input: proc.stdout});
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  proc.on('exit', () => {
    for (const w of waiting.splice(0)) w.reject(new Error(`erc20.js exited: ${proc.stderrText}`));
  });
  return (cmd) => new Promise((resolve, reject) => {
    waiting.push({resolve: (line) => {
      const answer = JSON.parse(line);
      if (answer.error) reject(new Error(`erc20.js ${cmd.op}: ${answer.error}`));
      else resolve(answer);
    }, reject});
    proc.stdin.write(JSON.stringify(cmd) + '\n');
  });
}

// "25.00" with 18 decimals -> "25000000000000000000", exactly (no floats).
function toBaseUnits(amount, decimals) {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!m) fail(`the page shows an amount that is not a decimal: ${JSON.stringify(amount)}`);
  const frac = (m[2] || '');
  if (frac.length > decimals) fail(`amount ${amount} has more than ${decimals} decimals`);
  return (BigInt(m[1] + frac.padEnd(decimals, '0'))).toString();
}

async function post(url, body, headers) {
  const r = await fetch(url, {method: 'POST', body, headers});
  return {status: r.status, text: await r.text()};
}

async function orderStatus(base, orderId) {
  const r = await fetch(`${base}/orders/${orderId}.json`);
  if (r.status !== 200) fail(`GET /orders/${orderId}.json: ${r.status}`);
  return (await r.json()).status;
}

function zbar(file) {
  const r = spawnSync('zbarimg', ['--raw', '-q', '-Sbinary', '--nodbus', file]);
  if (r.status !== 0) fail(`zbarimg ${file}: exit ${r.status}: ${r.stderr}`);
  return r.stdout.toString('utf8').replace(/\n$/, '');
}

async function run() {
  if (!process.env.USD1PAY_LIBRARY) fail('USD1PAY_LIBRARY must name the built libusd1pay.so');
  fs.mkdirSync(outDir, {recursive: true});
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'usd1pay-checkout-'));

  // 1. The chain.
  const rpcPort = await freePort();
  const rpcUrl = `http://127.0.0.1:${rpcPort}`;
  const ganache = start('ganache', process.execPath, [
    path.join(peers, 'node_modules', 'ganache', 'dist', 'node', 'cli.js'),
    '--server.host', '127.0.0.1', '--server.port', String(rpcPort), '--chain.chainId', '1337',
    '--wallet.deterministic', '--logging.quiet', '--miner.instamine', 'eager',
    '--database.dbPath', path.join(tmp, 'ganache')]);
  await waitFor('ganache to answer', async () => {
    if (ganache.exited) fail(`ganache exited: ${ganache.stderrText}`);
    const r = await fetch(rpcUrl, {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: []})});
    return r.ok;
  }, 30000);
  const erc20 = erc20Driver(rpcUrl);
  const {address: token} = await erc20({op: 'deploy', decimals: DECIMALS});
  const {accounts} = await erc20({op: 'accounts'});
  const customer = accounts[1];
  await erc20({op: 'mint', token, to: customer, amount: toBaseUnits('1000', DECIMALS)});
  log(`ganache ${rpcUrl}, token ${token}, customer ${customer}`);

  // 2. The shop, on the sample's own configuration with this node and token.
  const config = JSON.parse(fs.readFileSync(path.join(source, 'samples', 'checkout',
                                                      'usd1pay.json'), 'utf8'));
  config.chains[0].backend_settings.url = rpcUrl;
  config.chains[0].tokens[0].contract = token;
  if (config.chains[0].finality.confirmations !== CONFIRMATIONS) {
    fail('samples/checkout/usd1pay.json changed its confirmations: update this test');
  }
  fs.writeFileSync(path.join(tmp, 'usd1pay.json'), JSON.stringify(config, null, 2));
  const shop = start('shop', python, [
    path.join(source, 'samples', 'checkout', 'shop.py'), '--config',
    path.join(tmp, 'usd1pay.json'), '--port', '0', '--data', path.join(tmp, 'shop'),
    '--poll-ms', '300'], {env: {...process.env, PYTHONUNBUFFERED: '1'}});
  const base = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({input: shop.stdout});
    lines.on('line', (line) => {
      const m = /^shop: listening on (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line);
      if (m) resolve(m[1]);
    });
    shop.on('exit', () => reject(new Error(`the shop exited: ${shop.stderrText}`)));
    setTimeout(() => reject(new Error(`the shop did not start: ${shop.stderrText}`)), 20000);
  });
  log(`shop ${base}`);

  // 3. The browser.
  browser = await chromium.launch({executablePath: '/usr/bin/chromium', headless: true,
                                   args: ['--no-sandbox']});
  const page = await browser.newPage({viewport: {width: 900, height: 760}});
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(base + '/');
  await page.screenshot({path: path.join(outDir, 'checkout_catalogue.png')});
  await page.getByRole('button', {name: 'Pay with USD1 for Organic T-shirt'}).click();
  await page.waitForURL(/\/orders\/ord_[0-9a-f]{16}$/);
  const orderId = new URL(page.url()).pathname.split('/').pop();
  const amount = (await page.locator('#amount').textContent()).trim();
  const symbol = (await page.locator('#token').textContent()).trim();
  const address = (await page.locator('#address').textContent()).trim();
  const walletUri = await page.locator('#wallet-link').getAttribute('href');
  const statusText = async () => (await page.locator('#status').textContent()).trim();
  log(`order ${orderId}: ${amount} ${symbol} to ${address}`);
  if (amount !== '25.00') fail(`the page shows amount ${amount}, the T-shirt costs 25.00`);
  if (symbol !== 'USD1') fail(`the page shows token ${symbol}`);
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) fail(`the page shows address ${address}`);
  if (address.toLowerCase() === customer.toLowerCase()) fail('deposit address is the payer');
  if (await statusText() !== 'Awaiting payment') fail(`status: ${await statusText()}`);
  const baseUnits = toBaseUnits(amount, DECIMALS);
  const expectedUri = `ethereum:${token}@1337/transfer?address=${address}&uint256=${baseUnits}`;
  if (walletUri !== expectedUri) fail(`wallet link ${walletUri}, expected ${expectedUri}`);
  // What the customer's wallet scans: the QR as drawn by the browser.
  const qrPng = path.join(tmp, 'qr.png');
  await page.locator('#qr').screenshot({path: qrPng});
  const scanned = zbar(qrPng);
  if (scanned !== expectedUri) fail(`the QR on the page says ${scanned}, expected ${expectedUri}`);
  await page.screenshot({path: path.join(outDir, 'checkout_awaiting.png')});

  // 4. Forged webhooks are refused and change nothing.
  // The forger knows the real intent id (the order's JSON shows it): were the
  // signature not checked, this body would mark the order paid.
  const intentId = (await (await fetch(`${base}/orders/${orderId}.json`)).json()).intent_id;
  if (!/^pi_/.test(intentId)) fail(`intent id ${intentId}`);
  const forgedBody = JSON.stringify({id: 'evt_forged', type: 'intent.succeeded',
    created: new Date().toISOString(), data: {intent: {id: intentId, order_id: orderId,
    status: 'succeeded'}}});
  const now = String(Math.floor(Date.now() / 1000));
  const crypto = await import('node:crypto');
  const wrongKey = crypto.randomBytes(32);
  const forgedSig = 'v1,' + crypto.createHmac('sha256', wrongKey)
      .update(`msg_forged.${now}.${forgedBody}`).digest('base64');
  const forged = await post(`${base}/webhooks`, forgedBody, {'Content-Type': 'application/json',
    'webhook-id': 'msg_forged', 'webhook-timestamp': now, 'webhook-signature': forgedSig});
  if (forged.status !== 400) fail(`a forged webhook got ${forged.status} ${forged.text}`);
  const unsigned = await post(`${base}/webhooks`, forgedBody, {'Content-Type': 'application/json'});
  if (unsigned.status !== 400) fail(`an unsigned webhook got ${unsigned.status}`);
  if (await orderStatus(base, orderId) !== 'awaiting_payment') fail('a forged webhook changed it');
  log(`forged webhook refused: ${forged.status} ${forged.text.trim()}`);

  // 5. The payment: exactly what the page asked for, where it asked.
  const paid = await erc20({op: 'transfer', token, from_index: 1, to: address, amount: baseUnits});
  log(`paid in tx ${paid.tx_hash}, block ${paid.block_number}`);
  // The transfer's block is the first of 2 confirmations: seen, not final.
  await page.waitForFunction(() => document.getElementById('status').dataset.status ===
                             'confirming', null, {timeout: 20000, polling: 100});
  if (!(await statusText()).startsWith('Payment seen')) fail(`status: ${await statusText()}`);
  if (await orderStatus(base, orderId) !== 'confirming') fail('the shop did not see it');
  await erc20({op: 'mine', n: CONFIRMATIONS - 1});
  await page.waitForFunction(() => document.getElementById('status').textContent.trim() ===
                             'Paid', null, {timeout: 20000, polling: 100});
  if (await orderStatus(base, orderId) !== 'paid') fail('the page says Paid, the shop does not');
  await page.screenshot({path: path.join(outDir, 'checkout_paid.png')});
  if (consoleErrors.length) fail(`console errors on the page: ${consoleErrors.join('; ')}`);
  log(`paid; screenshots in ${outDir}`);
}

const watchdog = setTimeout(() => {
  console.error(`[checkout_e2e] FAILED: the watchdog ended the run after ${WATCHDOG_MS / 1000} s`);
  cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS);

let code = 0;
try {
  await run();
  log('OK');
} catch (e) {
  code = 1;
  console.error('[checkout_e2e] FAILED:', e.message);
  for (const {name, proc} of children) {
    if (proc.stderrText) console.error(`--- ${name} stderr ---\n${proc.stderrText.slice(-4000)}`);
  }
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(code);
