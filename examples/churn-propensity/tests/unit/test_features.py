import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
from features import FEATURES, build_features  # noqa: E402


def test_builds_one_row_per_customer_with_every_feature():
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "tenure_months": [3, 40],
            "monthly_charge": [30.0, 55.0],
            "monthly_charge_3m_ago": [25.0, 55.0],
            "support_tickets_90d": [4, 0],
            "late_payments_12m": [1, 0],
            "plan": ["monthly", "annual"],
        }
    )
    events = pd.DataFrame({"customer_id": [1, 1, 2], "kind": ["login", "login", "login"], "days_ago": [2, 45, 10]})
    features = build_features(customers, events)
    assert list(features.columns) == FEATURES
    assert features.loc[1, "logins_30d"] == 1
    assert features.loc[1, "charge_change_3m"] == 5.0
    assert features.loc[2, "plan_annual"] == 1
