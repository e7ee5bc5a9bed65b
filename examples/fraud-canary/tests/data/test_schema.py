import pandas as pd

REQUIRED = {"ts", "card_id", "merchant_id", "amount", "merchant_country", "card_country", "card_present", "is_fraud"}


def test_transactions_have_the_columns_features_read():
    tx = pd.read_parquet("data/transactions.parquet", columns=None)
    assert REQUIRED <= set(tx.columns), REQUIRED - set(tx.columns)
    assert (tx["amount"] > 0).all()
    assert set(tx["is_fraud"].unique()) <= {0, 1}
