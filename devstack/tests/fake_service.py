"""A stand-in for a Village service CLI: `migrate` and `serve` (GET /healthz), port from env."""

import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        code = 200 if self.path == "/healthz" else 404
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def main() -> None:
    command = sys.argv[1]
    if command == "migrate":
        print("migrated", os.environ["FAKE_DATABASE_URL"], flush=True)
        sys.exit(int(os.environ.get("FAKE_MIGRATE_EXIT", "0")))
    if os.environ.get("FAKE_CRASH"):
        print("boom: cannot start", flush=True)
        sys.exit(3)
    port = int(os.environ["FAKE_PORT"])
    print(f"serving on {port}", flush=True)
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
