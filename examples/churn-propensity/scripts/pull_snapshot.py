"""Exports the training snapshot from the warehouse to data/ as Parquet.

Reads WAREHOUSE_PASSWORD from the environment (a CI secret, never a file).
"""
import argparse
import os
from pathlib import Path

import snowflake.connector

QUERIES = {
    "snapshots": "select * from analytics.churn_snapshots where month_index < 26",
    "events": "select customer_id, kind, days_ago from analytics.customer_events where days_ago <= 60",
    "active_customers": "select * from analytics.churn_snapshots where month_index = 0 and active",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="data/")
    args = parser.parse_args()
    connection = snowflake.connector.connect(
        account="acme-analytics", user="ci_churn", password=os.environ["WAREHOUSE_PASSWORD"], warehouse="ML_XS"
    )
    Path(args.out).mkdir(parents=True, exist_ok=True)
    for name, query in QUERIES.items():
        frame = connection.cursor().execute(query).fetch_pandas_all()
        frame.columns = [c.lower() for c in frame.columns]
        frame.to_parquet(Path(args.out) / f"{name}.parquet", index=False)
        print(f"{name}: {len(frame)} rows")


if __name__ == "__main__":
    main()
