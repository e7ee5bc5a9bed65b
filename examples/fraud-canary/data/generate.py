"""Writes data/transactions.csv: 6,000 synthetic card transactions, the same bytes on every run.

It stands in for the payment platform's export. Fraud is rare (about 3 %) and, as in real
traffic, comes as bursts of large card-not-present payments on one card, often at risky
merchants. A fraud's chargeback arrives days later
(chargeback_ts), which is why training leaves a gap before the evaluation window.

    python3 data/generate.py        (then `dvc add`/`dvc push`: see scripts/setup-dvc-remote.sh)
Standard library only, so the bytes do not depend on numpy's or pandas' version.
"""
import csv
import math
import random
from datetime import datetime, timedelta
from pathlib import Path

ROWS = 6000
SEED = 20240917
DAYS = 200
START = datetime(2024, 3, 1)
OUT = Path(__file__).resolve().parent / "transactions.csv"
COUNTRIES = ["DE", "DE", "DE", "FR", "NL", "US"]
COLUMNS = ["ts", "card_id", "merchant_id", "amount", "merchant_country", "card_country",
           "card_present", "merchant_fraud_rate", "is_fraud", "chargeback_ts"]


def generate_rows(count, seed):
    """Genuine payments at random times; a fraud incident is a burst of 1-4 payments on one card."""
    rng = random.Random(seed)
    merchant_risk = {m: round(rng.betavariate(1, 80), 4) for m in range(300)}
    risky = [m for m in range(300) if merchant_risk[m] > 0.02]
    merchant_country = {m: rng.choice(COUNTRIES) for m in range(300)}
    card_country = {c: rng.choice(COUNTRIES[:3] + ["FR"]) for c in range(800)}
    events = []
    while len(events) < count:
        second = rng.randrange(DAYS * 86400)
        card = rng.randrange(800)
        if rng.random() < 0.012:
            # Fraud: large card-not-present payments, often abroad or at a risky merchant.
            for burst in range(rng.randint(1, 4)):
                merchant = rng.choice(risky) if rng.random() < 0.5 else rng.randrange(300)
                amount = round(math.exp(rng.gauss(5.0, 0.7)), 2)
                present = 1 if rng.random() < 0.15 else 0
                events.append((second + burst * rng.randint(60, 900), card, merchant, amount, present, 1))
        else:
            merchant = rng.randrange(300)
            amount = round(math.exp(rng.gauss(3.4, 1.0)), 2)
            present = 1 if rng.random() < 0.65 else 0
            events.append((second, card, merchant, amount, present, 0))
    for second, card, merchant, amount, present, fraud in sorted(events[:count]):
        ts = START + timedelta(seconds=second)
        chargeback = (ts + timedelta(days=rng.randint(1, 12))).isoformat(" ") if fraud else ""
        yield [ts.isoformat(" "), card, merchant, amount, merchant_country[merchant], card_country[card],
               present, merchant_risk[merchant], fraud, chargeback]


def main():
    with open(OUT, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(generate_rows(ROWS, SEED))
    print("wrote {0} rows to {1}".format(ROWS, OUT))


if __name__ == "__main__":
    main()
