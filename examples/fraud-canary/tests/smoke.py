"""Smoke test against a deployed scorer: it answers, its scores are probabilities, it is fast."""
import argparse
import statistics
import sys
import time

import requests

SAMPLE = {"amount": 42.5, "amount_vs_card_median": 1.1, "tx_last_1h": 1, "tx_last_24h": 3, "new_merchant": 0, "merchant_fraud_rate": 0.001, "card_present": 1, "foreign": 0}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--p95-ms", type=float, default=25)
    args = parser.parse_args()
    requests.get(f"{args.url}/healthz", timeout=5).raise_for_status()
    timings = []
    for _ in range(200):
        start = time.perf_counter()
        response = requests.post(f"{args.url}/score", json=SAMPLE, timeout=5)
        timings.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        if not 0 <= response.json()["fraud_probability"] <= 1:
            print(f"not a probability: {response.json()}")
            return 1
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"p95 {p95:.1f} ms (budget {args.p95_ms} ms)")
    return 0 if p95 <= args.p95_ms else 1


if __name__ == "__main__":
    sys.exit(main())
