"""Run every benchmark in bench/ (``make bench``), one after the other, and stop at the first failure.

    .venv/bin/python bench/run.py [--quick] [extra arguments passed to each benchmark]

``--quick`` passes ``--n 50000`` for a run of a minute or so instead of the full size.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    args = sys.argv[1:]
    if "--quick" in args:
        args = [a for a in args if a != "--quick"] + ["--n", "50000"]
    for script in sorted(HERE.glob("*.py")):
        if script.name in {"run.py", "__init__.py"} or script.name.startswith("_"):
            continue
        print(f"=== {script.name} ===", flush=True)
        code = subprocess.call([sys.executable, str(script), *args])
        if code:
            print(f"{script.name} failed with exit code {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
