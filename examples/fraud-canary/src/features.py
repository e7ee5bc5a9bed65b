"""Per-transaction features: amounts relative to the card's history, velocity, merchant risk.

    python src/features.py --in data/transactions.csv --out data/features.csv   (dvc.yaml's stage)

Every feature uses only what was known when the payment arrived (earlier transactions of the
card), so the model scores live traffic the way it was trained.
"""
import argparse

import pandas as pd

FEATURES = ["amount", "amount_vs_card_median", "tx_last_1h", "tx_last_24h", "new_merchant",
            "merchant_fraud_rate", "card_present", "foreign"]


def recent_count(tx: pd.DataFrame, window: str) -> pd.Series:
    """How many of the card's transactions fall in `window` up to and including this one."""
    counts = pd.Series(0, index=tx.index, dtype="int64")
    for _, card in tx.groupby("card_id", sort=False):
        window_counts = pd.Series(1.0, index=card["ts"]).rolling(window).count()
        counts.loc[card.index] = window_counts.to_numpy().astype("int64")
    return counts


def build(transactions: pd.DataFrame) -> pd.DataFrame:
    """The transactions in time order with every feature the model reads added as columns."""
    tx = transactions.copy()
    tx["ts"] = pd.to_datetime(tx["ts"])
    tx = tx.sort_values("ts", kind="stable").reset_index(drop=True)
    prior_median = tx.groupby("card_id", sort=False)["amount"].transform(lambda a: a.expanding().median().shift())
    tx["amount_vs_card_median"] = (tx["amount"] / prior_median).fillna(1.0).round(4)
    tx["tx_last_1h"] = recent_count(tx, "1h")
    tx["tx_last_24h"] = recent_count(tx, "24h")
    tx["new_merchant"] = (~tx.duplicated(["card_id", "merchant_id"])).astype("int64")
    tx["foreign"] = (tx["merchant_country"] != tx["card_country"]).astype("int64")
    return tx


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--in", dest="source", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    build(pd.read_csv(args.source)).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
