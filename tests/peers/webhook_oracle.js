// Oracle for Standard Webhooks signatures
// (tests/integration/webhook/standardwebhooks_peer_test): the npm
// `standardwebhooks` package, nobody here wrote it.
//
// Reads one JSON request per line on stdin, writes one JSON answer per line on
// stdout, in the same order. Every answer has "ok"; a failure has "error" (the
// library's message).
//
//   {"op":"verify","secret":"whsec_...","id":...,"timestamp":"<header text>",
//    "signature":"<header text>","body_b64":...,"now":<Unix seconds>}
//       Webhook(secret).verify(body, headers) with the clock at `now` (null:
//       the real clock)
//   {"op":"sign","secret":"whsec_...","id":...,"timestamp":<Unix seconds>,
//    "body_b64":...}
//       {"signature": Webhook(secret).sign(id, Date(timestamp), body)}
//
// Bodies travel as base64 so that any bytes survive the JSON line; the library
// reads a Buffer as UTF-8 text, so the tests send valid UTF-8.
//
// The library reads the clock with Date.now() and has no option for it; the
// oracle sets Date.now for each request so that the tests can check any
// timestamp and both edges of the 5-minute window.
'use strict';

const readline = require('readline');
const { Webhook } = require('standardwebhooks');

const realNow = Date.now;

function handle(req) {
  const body = Buffer.from(req.body_b64, 'base64');
  switch (req.op) {
    case 'verify': {
      const wh = new Webhook(req.secret);
      if (req.now !== null) Date.now = () => req.now * 1000;
      try {
        wh.verify(
          body,
          {
            'webhook-id': req.id,
            'webhook-timestamp': req.timestamp,
            'webhook-signature': req.signature,
          },
          { jsonParse: false },
        );
      } finally {
        Date.now = realNow;
      }
      return {};
    }
    case 'sign': {
      const wh = new Webhook(req.secret);
      return { signature: wh.sign(req.id, new Date(req.timestamp * 1000), body) };
    }
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
