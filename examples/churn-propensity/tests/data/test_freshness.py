import pandas as pd


def test_events_include_yesterday():
    events = pd.read_parquet("data/events.parquet")
    assert events["days_ago"].min() <= 1, "the newest event is older than a day: the warehouse export is stale"
