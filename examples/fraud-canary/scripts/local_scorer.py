"""Starts src/serve.py on a free loopback port and stops it again: for the smoke test and the
canary analysis when no deployed URL is given (no cluster here, or a check before deploying).
"""
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

SERVE = Path(__file__).resolve().parents[1] / "src" / "serve.py"


@contextmanager
def local_scorer(model_dir: str, ready_seconds: float = 120):
    """Yields the base URL of a scorer serving `model_dir`; the process ends with the block."""
    process = subprocess.Popen([sys.executable, str(SERVE), "--model", model_dir, "--port", "0"],
                               stdout=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline().strip()   # "serving DIR on http://127.0.0.1:PORT"
        if not first.startswith("serving "):
            raise SystemExit(f"the scorer for {model_dir} did not start (exit {process.wait()})")
        url = first.rsplit(" ", 1)[1]
        deadline = time.monotonic() + ready_seconds
        while True:
            try:
                requests.get(f"{url}/healthz", timeout=5).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"the scorer at {url} never became healthy") from None
                time.sleep(0.2)
        print(f"started a local scorer for {model_dir} at {url}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
