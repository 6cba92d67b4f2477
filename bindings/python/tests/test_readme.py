"""The README's example runs as printed: in a directory holding a SimChain
usd1pay.json, its code prints the intent and the terminal QR, and its
on_webhook accepts a genuine delivery and answers 400 to a tampered one."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re

from support import Receiver, TempDirTest, sim_config, usd1pay

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


class ReadmeTest(TempDirTest):
    def test_the_example_runs(self) -> None:
        with open(README, encoding="utf-8") as f:
            blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
        self.assertEqual(len(blocks), 1, "one Python example in the README")
        code = blocks[0]
        self.assertLess(len(code.strip().splitlines()), 20, "the example stays under 20 lines")
        with open(self.path("usd1pay.json"), "w", encoding="utf-8") as f:
            json.dump(sim_config("usd1pay.db"), f)
        cwd = os.getcwd()
        os.chdir(self.dir)
        self.addCleanup(os.chdir, cwd)
        out = io.StringIO()
        scope: dict = {}
        with contextlib.redirect_stdout(out):
            exec(compile(code, README, "exec"), scope)  # noqa: S102 (our own README)
        printed = out.getvalue()
        self.assertIn("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 25.00 USD1", printed)
        self.assertIn("\u2588", printed, "the terminal QR")

        # on_webhook, fed a real delivery signed with a real secret.
        receiver = Receiver()
        self.addCleanup(receiver.close)
        with usd1pay.Processor("usd1pay.json") as p:
            secret = p.add_webhook_endpoint(receiver.url)["secret"]
            p.create_intent("order-1002", "5.00")
            self.assertEqual(p.drain_webhooks(5000)["succeeded"], 1)
        _, headers, body = receiver.requests[0]
        handler = "# In the handler" + code.split("# In the handler", 1)[1]
        exec(compile(handler.replace('"whsec_..."', repr(secret)), README, "exec"), scope)
        on_webhook = scope["on_webhook"]
        self.assertEqual(on_webhook(headers, body), 200)
        self.assertEqual(on_webhook(headers, body.replace(b"5.00", b"0.05")), 400)
