// Standard Webhooks verification speed of the npm standardwebhooks package,
// the peer of bench_webhook_verify.
//   node peer.js FILE ROUNDS   verifies every message ROUNDS times with
//                              Webhook.verify; prints "OPS <verifications/s>"
// One Webhook object per secret, made before timing (as a receiver would);
// bodies as strings and jsonParse off, the library's lightest path, so that
// only the verification is timed (the tolerance check on the real clock
// included). Fails when any verification fails.
'use strict';
const fs = require('fs');
const { Webhook } = require('standardwebhooks');

const messages = fs
  .readFileSync(process.argv[2], 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l));
const rounds = Number(process.argv[3]);
if (messages.length === 0 || !(rounds > 0)) {
  console.error('peer.js: usage: node peer.js FILE ROUNDS (with messages)');
  process.exit(1);
}
const hooks = new Map();
for (const m of messages) {
  if (!hooks.has(m.secret)) hooks.set(m.secret, new Webhook(m.secret));
  m.hook = hooks.get(m.secret);
  m.headers = {
    'webhook-id': m.id,
    'webhook-timestamp': m.timestamp,
    'webhook-signature': m.signature,
  };
}
function pass(list) {
  let valid = 0;
  for (const m of list) {
    m.hook.verify(m.body, m.headers, { jsonParse: false });  // throws when invalid
    valid++;
  }
  return valid;
}
pass(messages.slice(0, 2000));  // warm-up so that the JIT has compiled verify
let valid = 0;
const start = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) valid += pass(messages);
const secs = Number(process.hrtime.bigint() - start) / 1e9;
if (valid !== messages.length * rounds) {
  console.error(`peer.js: only ${valid} of ${messages.length * rounds} verified`);
  process.exit(1);
}
console.log(`OPS ${Math.round(valid / secs)}`);
