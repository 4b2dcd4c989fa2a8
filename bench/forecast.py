"""Rolling-origin back-test of the forecast models on the real UCI household (Sceaux, 63 days).

    .venv/bin/python bench/forecast.py [--dataset ../shared/datasets/uci-household/readings.csv.gz]
        [--min-train-days 28] [--horizon-days 7]

Reads the minute readings, turns them into energy per UTC hour per circuit (the whole home is
the sum of the four circuits), and from every local (Paris) midnight after ``--min-train-days``
days that leaves ``--horizon-days`` whole days to test, fits each model on everything before
and forecasts the next days. Prints, per circuit and for the whole home, the 7-day-ahead daily
MAPE and MASE of every model against the seasonal-naive baseline (same hour last week), and
which model the app would keep. No database; not part of the test suite. Unknown arguments
(``make bench`` passes ``--n``) are ignored.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import zoneinfo
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "datasets" / "uci-household" / "readings.csv.gz"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HOME = "whole home"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load_hourly(path: Path = DATASET, *, start: datetime | None = None, end: datetime | None = None) -> dict:
    """{circuit or "whole home": HourlySeries} of Wh per UTC hour (each minute's mean power for a
    minute; the source clock is read as UTC), zone Europe/Paris, restricted to ``[start, end)``."""
    from analytics.forecasts import HourlySeries

    sums: dict[str, dict[datetime, float]] = defaultdict(lambda: defaultdict(float))
    with gzip.open(path, "rt", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for stamp, device, power in reader:
            hour = datetime.fromisoformat(stamp[:13] + ":00:00+00:00")
            if (start and hour < start) or (end and hour >= end):
                continue
            sums[device][hour] += float(power) / 60.0
    first = min(min(h) for h in sums.values())
    last = max(max(h) for h in sums.values())
    hours = int((last - first) / timedelta(hours=1)) + 1
    result = {}
    for device, by_hour in sorted(sums.items()):
        values = tuple(by_hour.get(first + timedelta(hours=i)) for i in range(hours))
        result[device] = HourlySeries(first, values, PARIS)
    home_values = tuple(
        sum(s.values[i] for s in result.values() if s.values[i] is not None)
        if any(s.values[i] is not None for s in result.values())
        else None
        for i in range(hours)
    )
    result[HOME] = HourlySeries(first, home_values, PARIS)
    return result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--min-train-days", type=int, default=28)
    parser.add_argument("--horizon-days", type=int, default=7)
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        default=None,
        help="last local day to use, e.g. 2007-02-22 (before the away week)",
    )
    args, _unknown = parser.parse_known_args(argv)
    from analytics.forecasts import BASELINE, MODELS, backtest, best_model

    end = None
    if args.end:
        end = datetime.combine(args.end + timedelta(days=1), datetime.min.time(), tzinfo=PARIS).astimezone(UTC)
    series = load_hourly(args.dataset, end=end)
    print(
        f"Rolling-origin back-test, {args.horizon_days}-day-ahead daily totals, "
        f"origins every local midnight after {args.min_train_days} training days"
        f"{f', data up to {args.end}' if args.end else ''}"
    )
    print(
        f"{'series':<17} {'model':<15} {'origins':>7} {'days':>5} {'MAE kWh':>8} {'MAPE %':>7} {'MASE':>6}"
        f" {'vs naive':>8}"
    )
    for name in [HOME, *[k for k in series if k != HOME]]:
        scores = backtest(series[name], horizon_days=args.horizon_days, min_train_days=args.min_train_days)
        kept = best_model(scores)
        base = scores[BASELINE]
        for model in MODELS:
            s = scores[model]
            mape = f"{s.mape_pct:7.1f}" if s.mape_pct is not None else "      –"
            mase = f"{s.mase:6.2f}" if s.mase is not None else "     –"
            rel = s.mae_wh / base.mae_wh if base.mae_wh else float("nan")
            mark = " *" if model == kept else ""
            print(
                f"{name:<17} {model:<15} {s.origins:>7} {s.days:>5} {s.mae_wh / 1000:8.2f} {mape} {mase}"
                f" {rel:8.2f}{mark}"
            )
    print("* the model the app keeps for that series (lowest daily MAE)")


if __name__ == "__main__":
    main(sys.argv[1:])
