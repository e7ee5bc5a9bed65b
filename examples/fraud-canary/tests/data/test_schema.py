import pandas as pd

REQUIRED = {"ts", "card_id", "merchant_id", "amount", "merchant_country", "card_country", "card_present",
            "merchant_fraud_rate", "is_fraud", "chargeback_ts"}


def test_transactions_have_the_columns_features_read():
    tx = pd.read_csv("data/transactions.csv")
    assert REQUIRED <= set(tx.columns), REQUIRED - set(tx.columns)
    assert len(tx) >= 1000
    assert (tx["amount"] > 0).all()
    assert set(tx["is_fraud"].unique()) <= {0, 1}


def test_fraud_is_rare_but_present():
    rate = pd.read_csv("data/transactions.csv")["is_fraud"].mean()
    assert 0.005 < rate < 0.1, f"fraud rate {rate:.4f}: the export looks wrong"
