// ERC-20 driver for usd1pay's integration tests against a ganache node.
// Usage: node erc20.js <rpc url>; one JSON command per stdin line, one JSON
// answer per stdout line, in order (run sequentially). Commands:
//   {"op":"deploy","decimals":6[,"name":s,"symbol":s]}  -> {"address":s}
//        compiles contracts/TestToken.sol with solc (standard JSON,
//        evmVersion "paris") and deploys it from account 0
//   {"op":"mint","token":s,"to":s,"amount":"dec"}       -> {"tx_hash","block_number","block_hash","log_index"}
//   {"op":"transfer","token":s,"from_index":n,"to":s,"amount":"dec"}
//        -> {"tx_hash","block_number","block_hash","log_index","from"}
//   {"op":"accounts"}                                    -> {"accounts":[s]}  (EIP-55)
//   {"op":"mine","n":k}                                  -> {"block_number"}  (evm_mine k times)
//   {"op":"snapshot"}                                    -> {"id":s}
//   {"op":"revert","id":s}                               -> {"reverted":bool}
//   {"op":"block","number":n|"latest"}                   -> {"number","hash","parent_hash","timestamp"}
//   {"op":"logs","token":s,"from_block":n,"to_block":n}  -> {"logs":[{tx_hash, block_number,
//        block_hash, log_index, from, to, amount}]}   (ethers' view, the oracle)
// An error answers {"error":message}. Amounts are decimal strings (bigint).
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const {ethers} = require('ethers');

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node erc20.js <rpc url>\n');
  process.exit(2);
}
// cacheTimeout -1: never answer "latest" from a cache (reorg tests).
const provider = new ethers.JsonRpcProvider(url, undefined, {cacheTimeout: -1, staticNetwork: true});

let compiled = null;
function compile() {
  if (compiled) return compiled;
  const solc = require('solc');
  const source = fs.readFileSync(path.join(__dirname, 'contracts', 'TestToken.sol'), 'utf8');
  const input = {
    language: 'Solidity',
    sources: {'TestToken.sol': {content: source}},
    settings: {
      evmVersion: 'paris',
      optimizer: {enabled: true, runs: 200},
      outputSelection: {'*': {'*': ['abi', 'evm.bytecode.object']}},
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error('solc: ' + errors.map((e) => e.formattedMessage).join('\n'));
  const c = output.contracts['TestToken.sol'].TestToken;
  compiled = {abi: c.abi, bytecode: '0x' + c.evm.bytecode.object};
  return compiled;
}

const abi = [
  'function mint(address to, uint256 value)',
  'function transfer(address to, uint256 value) returns (bool)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
];

function transferLog(receipt, token) {
  const iface = new ethers.Interface(abi);
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== token.toLowerCase()) continue;
    const parsed = iface.parseLog(log);
    if (parsed && parsed.name === 'Transfer') return log;
  }
  throw new Error('no Transfer log in ' + receipt.hash);
}

async function answer(req) {
  switch (req.op) {
    case 'deploy': {
      const {abi: fullAbi, bytecode} = compile();
      const signer = await provider.getSigner(0);
      const factory = new ethers.ContractFactory(fullAbi, bytecode, signer);
      const contract = await factory.deploy(req.name || 'Test USD1', req.symbol || 'TUSD1',
                                            req.decimals);
      await contract.waitForDeployment();
      return {address: await contract.getAddress()};
    }
    case 'mint':
    case 'transfer': {
      const signer = await provider.getSigner(req.op === 'mint' ? 0 : req.from_index);
      const token = new ethers.Contract(req.token, abi, signer);
      const tx = req.op === 'mint' ? await token.mint(req.to, BigInt(req.amount))
                                   : await token.transfer(req.to, BigInt(req.amount));
      const receipt = await tx.wait();
      const log = transferLog(receipt, req.token);
      return {
        tx_hash: receipt.hash,
        block_number: receipt.blockNumber,
        block_hash: receipt.blockHash,
        log_index: log.index,
        from: await signer.getAddress(),
      };
    }
    case 'accounts':
      return {accounts: (await provider.send('eth_accounts', [])).map((a) => ethers.getAddress(a))};
    case 'mine': {
      for (let i = 0; i < (req.n || 1); i++) await provider.send('evm_mine', []);
      return {block_number: await provider.getBlockNumber()};
    }
    case 'snapshot':
      return {id: await provider.send('evm_snapshot', [])};
    case 'revert':
      return {reverted: await provider.send('evm_revert', [req.id])};
    case 'block': {
      const b = await provider.getBlock(req.number);
      if (!b) return {error: 'no block ' + req.number};
      return {number: b.number, hash: b.hash, parent_hash: b.parentHash, timestamp: b.timestamp};
    }
    case 'logs': {
      const token = new ethers.Contract(req.token, abi, provider);
      const events = await token.queryFilter('Transfer', req.from_block, req.to_block);
      return {
        logs: events.map((e) => ({
          tx_hash: e.transactionHash,
          block_number: e.blockNumber,
          block_hash: e.blockHash,
          log_index: e.index,
          from: e.args.from,
          to: e.args.to,
          amount: e.args.value.toString(),
        })),
      };
    }
    default:
      throw new Error('unknown op ' + req.op);
  }
}

async function main() {
  const rl = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
  for await (const line of rl) {
    if (line.trim() === '') continue;
    let out;
    try {
      out = await answer(JSON.parse(line));
    } catch (e) {
      out = {error: String(e && e.message ? e.message : e)};
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  }
  provider.destroy();
}
main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
