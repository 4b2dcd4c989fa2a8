"""Rolling-origin back-test on a slice of the real UCI household (1 January – 22 February 2007,
before the family's week away), as bench/forecast.py runs it on the whole 63 days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.forecasts import BASELINE, backtest, best_model, forecast
from bench.forecast import DATASET, HOME, load_hourly


@pytest.fixture(scope="module")
def circuits():
    if not DATASET.exists():
        pytest.skip(f"{DATASET} is not available")
    # Up to local (Paris) midnight of 23 February.
    return load_hourly(DATASET, end=datetime(2007, 2, 22, 23, tzinfo=UTC))


def test_the_kept_model_beats_the_seasonal_naive_baseline_for_the_whole_home(circuits):
    scores = backtest(circuits[HOME], min_train_days=28)
    kept = best_model(scores)
    assert kept != BASELINE
    model, baseline = scores[kept], scores[BASELINE]
    assert model.origins == baseline.origins == 19 and model.days == 19 * 7
    assert model.mae_wh < baseline.mae_wh
    assert model.mase < 1.0 and model.mase < baseline.mase
    assert model.mape_pct < baseline.mape_pct < 20.0


def test_every_circuit_gets_a_model_no_worse_than_the_baseline(circuits):
    for name, series in circuits.items():
        scores = backtest(series, min_train_days=28)
        assert scores[best_model(scores)].mae_wh <= scores[BASELINE].mae_wh, name


def test_a_30_day_forecast_has_daily_totals_and_an_80_percent_band(circuits):
    result = forecast(circuits[HOME], days=30)
    assert len(result.daily) == 30 and len(result.hourly) == 30 * 24
    assert result.origin == datetime(2007, 2, 22, 23, tzinfo=UTC)
    first_day = result.daily[0]
    assert first_day.low_wh < first_day.energy_wh < first_day.high_wh
    assert sum(p.energy_wh for p in result.hourly[:24]) == pytest.approx(first_day.energy_wh)
    # The band is the 10th-90th percentile of back-test errors: about 80 % of them fall inside.
    errors = result.score.daily_errors
    low, high = first_day.low_wh - first_day.energy_wh, first_day.high_wh - first_day.energy_wh
    inside = sum(low <= e <= high for e in errors) / len(errors)
    assert 0.75 <= inside <= 0.85
