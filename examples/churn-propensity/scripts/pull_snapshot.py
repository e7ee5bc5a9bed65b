"""Exports the training snapshot to data/ as CSV: snapshots, login events, active customers.

    python scripts/pull_snapshot.py --out data/

The team's version queries the warehouse; this example's writes a deterministic synthetic
export of the same shape (the same bytes on every run), so the pipeline runs anywhere:
one row per customer and month (month_index 0 is the newest) with a 30-day churn label, and
each customer's logins of the last 60 days. Churn follows tenure, price rises, support
tickets, late payments and falling logins, as the features in src/features.py expect.
"""
import argparse
import csv
import math
import random
from pathlib import Path

CUSTOMERS = 1500
MONTHS = 6
SEED = 20240501
SNAPSHOT_COLUMNS = ["customer_id", "month_index", "tenure_months", "monthly_charge", "monthly_charge_3m_ago",
                    "support_tickets_90d", "late_payments_12m", "plan", "active", "churned"]


def generate(seed: int = SEED):
    rng = random.Random(seed)
    snapshots, events = [], []
    for customer in range(1, CUSTOMERS + 1):
        plan = "annual" if rng.random() < 0.3 else "monthly"
        start_tenure = rng.randint(1, 60)
        charge = round(rng.uniform(15, 90), 2)
        engagement = rng.uniform(0.2, 1.0)
        for month in range(MONTHS - 1, -1, -1):
            tenure = start_tenure + (MONTHS - 1 - month)
            raised = rng.random() < 0.15
            previous_charge = charge
            if raised:
                charge = round(charge * rng.uniform(1.05, 1.3), 2)
            tickets = min(10, int(rng.expovariate(1.5 - engagement)))
            late = min(12, int(rng.expovariate(2.0)))
            logit = (-1.0 - 0.04 * tenure + 1.6 * raised + 0.45 * tickets + 0.5 * late
                     - 2.8 * engagement - 1.5 * (plan == "annual"))
            churned = 1 if rng.random() < 1 / (1 + math.exp(-logit)) else 0
            snapshots.append([customer, month, tenure, charge, previous_charge if raised else charge,
                              tickets, late, plan, 1, churned if month > 0 else 0])
            if month == 0:
                # The last 60 days of logins: engaged customers log in often, leaving ones less lately.
                for day in range(60):
                    fading = 0.5 if churned and day < 30 else 1.0
                    if rng.random() < engagement * 0.5 * fading:
                        events.append([customer, "login", day])
            engagement = max(0.05, min(1.0, engagement + rng.gauss(0, 0.05)))
    return snapshots, events


def write(path: Path, header, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="data/")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    snapshots, events = generate()
    write(out / "snapshots.csv", SNAPSHOT_COLUMNS, snapshots)
    write(out / "events.csv", ["customer_id", "kind", "days_ago"], events)
    write(out / "active_customers.csv", SNAPSHOT_COLUMNS, [row for row in snapshots if row[1] == 0])
    print(f"snapshots: {len(snapshots)} rows, events: {len(events)} rows, active customers: {CUSTOMERS} -> {out}")


if __name__ == "__main__":
    main()
