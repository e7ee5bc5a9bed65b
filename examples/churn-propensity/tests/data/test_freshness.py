import pandas as pd


def test_events_include_yesterday():
    events = pd.read_csv("data/events.csv")
    assert events["days_ago"].min() <= 1, "the newest event is older than a day: the warehouse export is stale"
