"""Wait (up to 20 s) until the configured Redis answers; used by the Procfile's processes."""

from __future__ import annotations

import os
import sys
import time

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "energyhome.settings")
    django.setup()
    from energyhome.health import check_redis

    deadline = time.monotonic() + 20
    while True:
        try:
            check_redis()
            return 0
        except Exception as exc:  # noqa: BLE001
            if time.monotonic() > deadline:
                print(f"Redis not reachable: {exc}", file=sys.stderr)
                return 1
            time.sleep(0.3)


if __name__ == "__main__":
    sys.exit(main())
