#!/usr/bin/env python3
"""Container health check: GET /readyz on the service named by VILLAGE_SERVICE.

The port is `<SERVICE>_PORT` when set, else the service's default port.
Exit 0 when ready, 1 otherwise (no third-party imports: runs with any Python 3).
"""

import os
import sys
import urllib.request

DEFAULT_PORTS = {
    "console": 8000,
    "incidents": 8001,
    "escalation": 8002,
    "sla-monitor": 8003,
    "knowledge": 8004,
    "webhooks": 8005,
}


def main() -> int:
    service = os.environ.get("VILLAGE_SERVICE", "incidents")
    prefix = service.upper().replace("-", "_")
    port = os.environ.get(f"{prefix}_PORT") or DEFAULT_PORTS.get(service)
    if port is None:
        print(f"unknown service {service!r} and no {prefix}_PORT", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{port}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
