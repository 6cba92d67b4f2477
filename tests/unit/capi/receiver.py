#!/usr/bin/env python3
"""A webhook receiver for the C ABI's tests, on 127.0.0.1.

    receiver.py LOG_FILE

Binds a free port on 127.0.0.1, prints it on stdout (one line), then records
every POST as one line of LOG_FILE: the path, the webhook-id,
webhook-timestamp and webhook-signature headers and the body in hex,
separated by tabs. Answers 500 to paths starting with /fail and 204 to the
rest. Runs until killed (or 120 s, so that a crashed test leaves nothing
behind).
"""
import http.server
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        fields = [
            self.path,
            self.headers.get("webhook-id", ""),
            self.headers.get("webhook-timestamp", ""),
            self.headers.get("webhook-signature", ""),
            body.hex(),
        ]
        with open(sys.argv[1], "a", encoding="ascii") as log:
            log.write("\t".join(fields) + "\n")
        status = 500 if self.path.startswith("/fail") else 204
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    timer = threading.Timer(120, server.shutdown)
    timer.daemon = True
    timer.start()
    server.serve_forever()


if __name__ == "__main__":
    main()
