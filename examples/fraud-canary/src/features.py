"""Per-transaction features: amounts relative to the card's history, velocity, merchant risk."""
import argparse

import pandas as pd

FEATURES = ["amount", "amount_vs_card_median", "tx_last_1h", "tx_last_24h", "new_merchant", "merchant_fraud_rate", "card_present", "foreign"]


def build(transactions: pd.DataFrame) -> pd.DataFrame:
    tx = transactions.sort_values("ts").copy()
    by_card = tx.groupby("card_id")
    tx["amount_vs_card_median"] = tx["amount"] / by_card["amount"].transform(lambda a: a.expanding().median().shift().fillna(a.iloc[0]))
    indexed = tx.set_index("ts")
    tx["tx_last_1h"] = indexed.groupby("card_id")["amount"].rolling("1h").count().values
    tx["tx_last_24h"] = indexed.groupby("card_id")["amount"].rolling("24h").count().values
    tx["new_merchant"] = (~tx.duplicated(["card_id", "merchant_id"])).astype(int)
    tx["foreign"] = (tx["merchant_country"] != tx["card_country"]).astype(int)
    return tx


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--in", dest="source", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    build(pd.read_parquet(args.source)).to_parquet(args.out, index=False)


if __name__ == "__main__":
    main()
