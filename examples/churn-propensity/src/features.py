"""Feature engineering shared by training and batch prediction."""
import pandas as pd

FEATURES = [
    "tenure_months",
    "monthly_charge",
    "charge_change_3m",
    "support_tickets_90d",
    "logins_30d",
    "logins_trend",
    "late_payments_12m",
    "plan_annual",
]


def build_features(customers: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per customer with the model's features, indexed by customer_id."""
    logins = events[events["kind"] == "login"].groupby("customer_id")["days_ago"]
    frame = customers.set_index("customer_id").copy()
    frame["logins_30d"] = logins.apply(lambda d: (d <= 30).sum()).reindex(frame.index, fill_value=0)
    previous = logins.apply(lambda d: ((d > 30) & (d <= 60)).sum()).reindex(frame.index, fill_value=0)
    frame["logins_trend"] = (frame["logins_30d"] - previous) / (previous + 1)
    frame["charge_change_3m"] = frame["monthly_charge"] - frame["monthly_charge_3m_ago"]
    frame["plan_annual"] = (frame["plan"] == "annual").astype(int)
    return frame[FEATURES].fillna(0)
