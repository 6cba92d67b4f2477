// Verify a usd1pay webhook with the Standard Webhooks library for Node
// (npm install standardwebhooks).
// Usage: node verify.js SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE BODY_FILE
// Exit status: 0 valid, 1 invalid, 2 usage.
'use strict';
const fs = require('fs');
const { Webhook } = require('standardwebhooks');

function verifyWebhook(secret, headers, rawBody) {
  // rawBody: the request body exactly as received (a Buffer; in Express use
  // express.raw({ type: 'application/json' }), not the parsed JSON).
  // Throws WebhookVerificationError when the signature or timestamp is bad;
  // the timestamp must be within 5 minutes of this machine's clock.
  new Webhook(secret).verify(rawBody, headers, { jsonParse: false });
}

const args = process.argv.slice(2);
if (args.length !== 5) {
  console.error('usage: node verify.js SECRET ID TIMESTAMP SIGNATURE BODY_FILE');
  process.exit(2);
}
const [secret, id, timestamp, signature, bodyFile] = args;
try {
  verifyWebhook(
    secret,
    { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature },
    fs.readFileSync(bodyFile),
  );
} catch (e) {
  console.error('invalid: ' + e.message);
  process.exit(1);
}
console.log('valid');
