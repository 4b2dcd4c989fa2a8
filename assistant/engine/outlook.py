"""Answers over days and ahead: average per day, highest/lowest day or hour, forecasts, alerts."""

from __future__ import annotations

from decimal import Decimal

from analytics.charts import energy_bars_figure
from analytics.costs import daily_costs, month_overview
from analytics.selectors import local_iso
from assistant.engine import readers
from assistant.engine.entities import HOME
from assistant.engine.intents import Plan
from assistant.engine.periods import describe
from assistant.engine.result import Answer, kwh, money


class OutlookAnswers:
    """Mixed into answer.Engine (which provides home, zone, now, computed, when, no_data, money_text)."""

    def do_average_per_day(self, plan: Plan) -> Answer:
        period, scope = plan.periods[0], plan.scope
        value, has = self.scope_energy(scope, period)
        if not has:
            return self.no_data(plan, scope, period)
        days = (period.end - period.start).total_seconds() / 86400
        per_day = kwh(value) / days
        text = (
            f"{scope.label.capitalize()} used {per_day:,.2f} kWh per day on average {self.when(period)} "
            f"({kwh(value):,.2f} kWh over {days:,.2f} days)."
        )
        figures = [{"label": f"Average per day, {scope.label}", "value": round(per_day, 3), "unit": "kWh"}]
        return Answer("answer", text, period=period, figures=figures, chart=self.chart_over_time(scope, period))

    def do_extreme(self, plan: Plan) -> Answer:
        period, scope = plan.periods[0], plan.scope
        unit, lowest = plan.options.get("unit", "day"), plan.options.get("lowest", False)
        if plan.measure == "cost":
            return (
                self._extreme_cost_day(plan)
                if unit == "day" and scope.kind == "home"
                else Answer(
                    "declined",
                    "I can find the cheapest or dearest day of the whole home's bill, not hours or single "
                    "devices by cost; ask by energy instead (“the lowest hour yesterday”).",
                    period=period,
                )
            )
        if scope.kind == "home":
            reader = readers.home_hourly_wh if unit == "hour" else readers.home_daily_wh
            points = reader(self.home, period.start, period.end)
            self.computed.append("analytics.balance.hourly_balance()")
        else:
            points = readers.devices_hourly_wh(self.home, scope.devices, period.start, period.end)
            self.computed.append("telemetry.selectors.power_series(step=1 h)")
            if unit == "day":
                days: dict = {}
                for p in points:
                    day = p.at.astimezone(self.zone).date()
                    days[day] = days.get(day, 0.0) + p.value
                points = [readers.Point(d, v) for d, v in sorted(days.items())]
        if not points:
            return self.no_data(plan, scope, period)
        pick = (min if lowest else max)(points, key=lambda p: p.value)
        label = f"{pick.at:%a %-d %b %Y}" if unit == "day" else f"{pick.at.astimezone(self.zone):%a %-d %b %H:00}"
        word = "lowest" if lowest else "highest"
        text = f"The {word} {unit} for {scope.label} {self.when(period)} was {label}: {kwh(pick.value):,.2f} kWh."
        at = pick.at.isoformat()
        figures = [{"label": f"{word} {unit}", "value": kwh(pick.value), "unit": "kWh", "at": at}]
        xs = [p.at.isoformat() if unit == "day" else local_iso(p.at, self.home) for p in points]
        chart = energy_bars_figure(
            xs, [(scope.label, [kwh(p.value) for p in points])], x_title=unit.capitalize(), x_type="date"
        )
        return Answer("answer", text, period=period, figures=figures, chart=chart)

    def _extreme_cost_day(self, plan: Plan) -> Answer:
        period, lowest = plan.periods[0], plan.options.get("lowest", False)
        if not self.home.tariffs.exists():
            return Answer("declined", "This home has no tariff yet, so I can't put a price on its days.", period=period)
        days = daily_costs(home=self.home, start=period.start, end=period.end)
        self.computed.append("analytics.costs.daily_costs()")
        if not days:
            return self.no_data(plan, HOME, period)
        totals = {
            day: money(sum((v for k, v in parts.items() if k != "export"), Decimal(0)) - parts.get("export", 0))
            for day, parts in days.items()
        }
        day, value = (min if lowest else max)(totals.items(), key=lambda kv: (kv[1], kv[0]))
        word = "cheapest" if lowest else "most expensive"
        text = (
            f"The {word} day {self.when(period)} was {day:%a %-d %b %Y}: {self.money_text(value)} "
            "(energy, standing charge, less export)."
        )
        figures = [{"label": f"{word} day", "value": value, "unit": self.home.currency, "at": day.isoformat()}]
        chart = energy_bars_figure(
            [d.isoformat() for d in totals], [("Cost", list(totals.values()))], x_title="Day", x_type="date"
        )
        chart["layout"]["yaxis"]["title"]["text"] = f"Cost ({self.home.currency_symbol})"
        return Answer("answer", text, period=period, figures=figures, chart=chart)

    def do_forecast(self, plan: Plan) -> Answer:
        if plan.measure == "cost":
            if plan.scope.kind != "home":
                return Answer(
                    "declined",
                    "I can project the whole home's bill for this month (“what will this month cost?”), "
                    "not a single device's.",
                )
            overview = month_overview(home=self.home, now=self.now)
            self.computed.append("analytics.costs.month_overview()")
            if overview.projected_total is None:
                return Answer("declined", "No hour of this month is priced yet, so I can't project its bill.")
            value = money(overview.projected_total)
            so_far = self.money_text(money(overview.this_month.total))
            text = (
                f"At this month's pace, the bill for {overview.month_label} comes to about "
                f"{self.money_text(value)} (so far {so_far})."
            )
            return Answer(
                "answer",
                text,
                figures=[
                    {"label": f"Projected bill, {overview.month_label}", "value": value, "unit": self.home.currency}
                ],
            )
        period, scope = plan.periods[0], plan.scope
        if scope.kind not in {"home", "device"}:
            return Answer(
                "declined", "Forecasts exist for the whole home and for single devices, not for rooms or types."
            )
        result = readers.forecast_sum(
            self.home, scope.devices[0] if scope.kind == "device" else None, period.start, period.end
        )
        self.computed.append("analytics.models.Forecast (nightly insights job, 30-day daily forecast)")
        if result is None or not result.days:
            return Answer(
                "declined",
                f"There is no forecast for {scope.label} covering {describe(period, self.zone)} yet "
                "(the insights job makes one nightly once there are 14 days of data).",
                period=period,
            )
        accuracy = f", back-tested within {result.mape_pct:.0f} % per day" if result.mape_pct is not None else ""
        text = (
            f"The forecast for {scope.label} {self.when(period).replace('in ', 'for ', 1)}: about "
            f"{kwh(result.energy_wh):,.1f} kWh (80 % band {kwh(result.low_wh):,.1f}–{kwh(result.high_wh):,.1f} kWh, "
            f"{result.days} days, model {result.model}{accuracy})."
        )
        figures = [
            {"label": f"Forecast, {scope.label}", "value": kwh(result.energy_wh), "unit": "kWh"},
            {"label": "Forecast low (10 %)", "value": kwh(result.low_wh), "unit": "kWh"},
            {"label": "Forecast high (90 %)", "value": kwh(result.high_wh), "unit": "kWh"},
        ]
        xs = [p[0].astimezone(self.zone).date().isoformat() for p in result.points]
        chart = energy_bars_figure(xs, [("Forecast", [kwh(p[1]) for p in result.points])], x_title="Day", x_type="date")
        return Answer("answer", text, period=period, figures=figures, chart=chart)

    def do_alerts(self, plan: Plan) -> Answer:
        alerts = readers.open_alerts(self.home)
        self.computed.append("analytics.models.Alert (status open)")
        if not alerts:
            return Answer("answer", "There are no open alerts for this home.", figures=[])
        listed = "; ".join(f"{a.title} (since {a.opened_at.astimezone(self.zone):%a %-d %b %H:%M})" for a in alerts[:5])
        text = f"{len(alerts)} open alert{'s' if len(alerts) != 1 else ''}: {listed}."
        figures = [{"label": "Open alerts", "value": len(alerts), "unit": "alerts"}]
        return Answer("answer", text, figures=figures)
