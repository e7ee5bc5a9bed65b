"""Smoke test against a scorer: it answers, its scores are probabilities that rank an obvious
fraud above an ordinary payment, and it is fast enough for the payment path.

    python tests/smoke.py --url https://fraud.staging.example.com --p95-ms 25
    python tests/smoke.py --model model/ --p95-ms 25

With --url (or $SCORER_URL) it checks that deployment; without, it starts src/serve.py on
the trained model/ on a loopback port, the same server the image runs, and checks that.
"""
import argparse
import os
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from local_scorer import local_scorer  # noqa: E402  (after the path setup above)

ORDINARY = {"amount": 42.5, "amount_vs_card_median": 1.1, "tx_last_1h": 1, "tx_last_24h": 2, "new_merchant": 0,
            "merchant_fraud_rate": 0.004, "card_present": 1, "foreign": 0}
SUSPICIOUS = {"amount": 380.0, "amount_vs_card_median": 9.0, "tx_last_1h": 4, "tx_last_24h": 4, "new_merchant": 1,
              "merchant_fraud_rate": 0.06, "card_present": 0, "foreign": 1}


SESSION = requests.Session()   # one kept-alive connection, as the payment gateway holds


def score(url: str, transaction: dict) -> float:
    response = SESSION.post(f"{url}/score", json=transaction, timeout=10)
    response.raise_for_status()
    return response.json()["fraud_probability"]


def smoke(url: str, requests_count: int, p95_budget_ms: float) -> list:
    """The problems found; empty when the scorer passes."""
    SESSION.get(f"{url}/healthz", timeout=10).raise_for_status()
    problems = []
    ordinary, suspicious = score(url, ORDINARY), score(url, SUSPICIOUS)
    for name, value in (("ordinary", ordinary), ("suspicious", suspicious)):
        if not 0 <= value <= 1:
            problems.append(f"the {name} payment scored {value}, not a probability")
    if not suspicious > ordinary:
        problems.append(f"an obvious fraud scored {suspicious:.4f}, no higher than an ordinary payment's {ordinary:.4f}")
    timings = []
    for _ in range(requests_count):
        start = time.perf_counter()
        score(url, ORDINARY)
        timings.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"ordinary {ordinary:.4f}, suspicious {suspicious:.4f}; p95 {p95:.1f} ms over {requests_count} requests (budget {p95_budget_ms} ms)")
    if p95 > p95_budget_ms:
        problems.append(f"p95 latency {p95:.1f} ms is over the budget of {p95_budget_ms} ms")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("SCORER_URL"), help="a deployed scorer (default: $SCORER_URL)")
    parser.add_argument("--model", default="model/", help="without a URL: serve this model locally")
    parser.add_argument("--p95-ms", type=float, default=25)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with (nullcontext(args.url) if args.url else local_scorer(args.model)) as url:
        problems = smoke(url, args.requests, args.p95_ms)
    for problem in problems:
        print(f"FAIL: {problem}")
    print("smoke: " + ("failed" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
