import pandas as pd

REQUIRED = {"customer_id", "month_index", "tenure_months", "monthly_charge", "monthly_charge_3m_ago", "plan", "churned"}


def test_snapshot_has_the_columns_training_reads():
    snapshots = pd.read_csv("data/snapshots.csv")
    assert REQUIRED <= set(snapshots.columns), REQUIRED - set(snapshots.columns)


def test_labels_are_binary_and_ids_unique_per_month():
    snapshots = pd.read_csv("data/snapshots.csv")
    assert set(snapshots["churned"].unique()) <= {0, 1}
    assert not snapshots.duplicated(["customer_id", "month_index"]).any()
