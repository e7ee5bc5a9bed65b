from src.features import FEATURES, build

import pandas as pd


def test_build_adds_every_feature_the_model_reads():
    tx = pd.DataFrame(
        {
            "ts": pd.to_datetime(["2024-05-01 10:00", "2024-05-01 10:30", "2024-05-02 09:00"]),
            "card_id": [1, 1, 1],
            "merchant_id": [7, 7, 8],
            "amount": [10.0, 30.0, 20.0],
            "merchant_fraud_rate": [0.0, 0.0, 0.2],
            "card_present": [1, 0, 1],
            "merchant_country": ["DE", "DE", "FR"],
            "card_country": ["DE", "DE", "DE"],
        }
    )
    features = build(tx)
    assert set(FEATURES) <= set(features.columns)
    assert features["new_merchant"].tolist() == [1, 0, 1]
    assert features["foreign"].tolist() == [0, 0, 1]
