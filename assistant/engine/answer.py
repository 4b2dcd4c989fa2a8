"""Plan -> answer: runs the plan through the summary layer's selectors and words the result.

Every figure comes from a selector call (listed in ``computed``, the "how this was computed"
the page shows); nothing is estimated. A period without data is said plainly, never answered
with zero. Energy in kWh (3 decimals kept in figures, 2 shown), power in W, money in the home's
currency rounded to cents.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from accounts.models import Home
from analytics.charts import energy_bars_figure
from analytics.selectors import Period as DayPeriod
from analytics.selectors import energy_history, local_iso
from assistant.engine import readers
from assistant.engine.entities import HOME, Catalogue, Scope
from assistant.engine.intents import Plan
from assistant.engine.outlook import OutlookAnswers
from assistant.engine.periods import Period, default_period, describe
from assistant.engine.power import PowerAnswers
from assistant.engine.result import Answer, kwh, money

WEEKDAY_NAMES = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

__all__ = ["Answer", "Engine", "kwh", "money"]


class Engine(PowerAnswers, OutlookAnswers):
    """Answers plans for one home at one instant ``now`` (the question's as_of)."""

    def __init__(self, home: Home, catalogue: Catalogue, now: datetime) -> None:
        self.home, self.catalogue, self.now, self.zone = home, catalogue, now, home.zone
        self.computed: list[str] = []

    # --- helpers -------------------------------------------------------------------------------

    def when(self, period: Period) -> str:
        """The exact period with the preposition English wants: "yesterday (...)", "in October 2026 (...)"."""
        text = describe(period, self.zone)
        bare = ("today", "yesterday", "the ", "this ", "last ", "since ", "so far")
        if period.label.startswith(bare):
            return text
        if period.label.split(" ")[0] in WEEKDAY_NAMES or period.kind == "day":
            return "on " + text
        if period.label[:1].isdigit() and period.kind in {"days", "span"}:
            return "from " + text
        return "in " + text

    def money_text(self, value: float) -> str:
        return f"{self.home.currency_symbol}{value:,.2f}"

    def suggestions(self, plan: Plan) -> list[str]:
        names = [d.name for d in self.catalogue.devices if d.category == "consumer"][:3]
        out = []
        if plan.intent != "compare":
            out.append(
                "and the week before?"
                if plan.periods and plan.periods[0].kind == "week"
                else "compare this month with last month"
            )
        if names:
            out.append(f"what did the {names[0]} cost last week?")
        out.append("which device used most yesterday?")
        return out[:3]

    def scope_energy(self, scope: Scope, period: Period) -> tuple[float, bool]:
        """(Wh, had data) of a scope; the home is its balance, others the sum of their devices."""
        if scope.kind == "home":
            value, hours = readers.home_energy_wh(self.home, period.start, period.end)
            self.computed.append(
                f"analytics.balance.period_balance({period.start:%Y-%m-%d %H:%M}Z … {period.end:%Y-%m-%d %H:%M}Z)"
            )
            return value, hours > 0
        rows = readers.device_energy_wh(self.home, period.start, period.end)
        self.computed.append("telemetry.selectors.energy_by(by='device')")
        present = [rows[i] for i in scope.devices if i in rows]
        return sum(present), bool(present)

    def scope_cost(self, scope: Scope, period: Period) -> tuple[float, float, bool, str]:
        """(cost, kWh, had data, note) of a scope: the grid bill for the home, import-priced energy for devices."""
        if scope.kind == "home":
            summary = readers.home_cost(self.home, period.start, period.end)
            self.computed.append("analytics.costs.cost_summary()")
            note = (
                f"grid import {summary.import_kwh:,.2f} kWh for {self.money_text(money(summary.import_cost))}"
                f", export credit {self.money_text(money(summary.export_credit))}"
                f", standing charges {self.money_text(money(summary.standing_charge))}"
            )
            if summary.missing_hours:
                note += f"; {summary.missing_hours} hours had no price and are left out"
            has = bool(summary.import_kwh or summary.export_kwh or summary.days)
            return money(summary.total), summary.import_kwh, has, note
        rows = readers.device_costs(self.home, period.start, period.end)
        self.computed.append("analytics.costs.cost_by_device()")
        present = [rows[i] for i in scope.devices if i in rows]
        return money(sum((c for _k, c in present), Decimal(0))), sum(k for k, _c in present), bool(present), ""

    def no_data(self, plan: Plan, scope: Scope, period: Period) -> Answer:
        return Answer(
            "declined",
            f"There is no data for {scope.label} {self.when(period)}, so I can't give a figure.",
            period=period,
            plan=plan,
        )

    def chart_over_time(self, scope: Scope, period: Period) -> dict | None:
        """Bars per hour (up to 2 days) or per local day of a scope's energy; None when there is nothing to draw."""
        hourly = period.end - period.start <= timedelta(days=2)
        if scope.kind == "home":
            points = (readers.home_hourly_wh if hourly else readers.home_daily_wh)(self.home, period.start, period.end)
            if not points:
                return None
            xs = [local_iso(p.at, self.home) if hourly else p.at.isoformat() for p in points]
            values = [kwh(p.value) for p in points]
            return energy_bars_figure(
                xs, [("Consumption", values)], x_title="Local time" if hourly else "Day", x_type="date"
            )
        first = period.start.astimezone(self.zone).date()
        last = (period.full_end or period.end).astimezone(self.zone).date() - timedelta(days=1)
        if period.kind == "span" or period.kind == "hours" or last < first:
            return None
        table = energy_history(
            self.home,
            DayPeriod("custom", period.label, first, last, period.start, period.full_end or period.end),
            by="device",
            categories=("consumer", "producer", "storage", "meter"),
            now=self.now,
        )
        names = {self.catalogue.by_id(i).name for i in scope.devices}
        series = [(g, list(v)) for g, v in zip(table.groups, table.values, strict=True) if g in names]
        if not series or not table.x:
            return None
        self.computed.append("analytics.selectors.energy_history(by='device')")
        return energy_bars_figure(table.x, series, x_title="Hour" if table.step == "hour" else "Day", x_type="date")

    # --- intents --------------------------------------------------------------------------------

    def run(self, plan: Plan) -> Answer:
        handler = getattr(self, f"do_{plan.intent}", None)
        if handler is None:
            return Answer("declined", "I can't answer that yet.", plan=plan)
        if plan.intent not in {"current_power", "status", "help", "alerts", "command", "forecast"} and not plan.periods:
            days = 7 if plan.intent in {"base_load", "peak", "extreme", "average_per_day"} else 0
            period = default_period(now=self.now, zone=self.zone)
            if days:
                from assistant.engine.periods import find_periods

                period = find_periods(f"the last {days} days", now=self.now, zone=self.zone)[0].period
            plan = Plan(**{**plan.__dict__, "periods": (period,)})
        answer = handler(plan)
        answer.plan = plan
        answer.computed = answer.computed or list(dict.fromkeys(self.computed))
        if answer.kind == "answer" and not answer.suggestions:
            answer.suggestions = self.suggestions(plan)
        answer.devices = answer.devices or list(plan.scope.devices)
        return answer

    def do_energy(self, plan: Plan) -> Answer:
        if plan.measure == "cost":
            return self.do_cost(plan)
        period, scope = plan.periods[0], plan.scope
        value, has = self.scope_energy(scope, period)
        if not has:
            return self.no_data(plan, scope, period)
        verb = "produced" if scope.kind == "device" and self._category(scope) == "producer" else "used"
        subject = scope.label.capitalize() if scope.kind == "home" else scope.label
        text = f"{subject} {verb} {kwh(value):,.2f} kWh {self.when(period)}."
        figure = {"label": f"Energy, {scope.label}", "value": kwh(value), "unit": "kWh"}
        if scope.kind == "device":
            figure["device"] = self.catalogue.by_id(scope.devices[0]).external_id
        return Answer("answer", text, period=period, figures=[figure], chart=self.chart_over_time(scope, period))

    def _category(self, scope: Scope) -> str:
        ref = self.catalogue.by_id(scope.devices[0])
        return ref.category if ref else "consumer"

    def do_cost(self, plan: Plan) -> Answer:
        period, scope = plan.periods[0], plan.scope
        if not self.home.tariffs.exists():
            return Answer(
                "declined", "This home has no tariff yet, so I can't put a price on its energy.", period=period
            )
        cost, energy_kwh, has, note = self.scope_cost(scope, period)
        if not has:
            return self.no_data(plan, scope, period)
        what = "The grid bill of the whole home" if scope.kind == "home" else f"{scope.label} cost"
        verb = " came to" if scope.kind == "home" else ""
        text = f"{what}{verb} {self.money_text(cost)} ({energy_kwh:,.2f} kWh) {self.when(period)}."
        if note:
            text += f" That is {note}."
        figures = [{"label": f"Cost, {scope.label}", "value": cost, "unit": self.home.currency}]
        figures.append({"label": f"Energy, {scope.label}", "value": round(energy_kwh, 3), "unit": "kWh"})
        return Answer("answer", text, period=period, figures=figures, chart=self.chart_over_time(scope, period))

    def do_ranking(self, plan: Plan) -> Answer:
        period = plan.periods[0]
        by = plan.options.get("by", "device")
        exclude = set(plan.options.get("exclude", []))
        consumers = [d for d in self.catalogue.devices if d.category == "consumer" and d.id not in exclude]
        if plan.measure == "cost":
            if not self.home.tariffs.exists():
                return Answer(
                    "declined", "This home has no tariff yet, so I can't rank devices by cost.", period=period
                )
            raw = {i: float(c) for i, (_k, c) in readers.device_costs(self.home, period.start, period.end).items()}
            self.computed.append("analytics.costs.cost_by_device()")
            unit, fmt = self.home.currency, self.money_text
        else:
            raw = {i: kwh(v) for i, v in readers.device_energy_wh(self.home, period.start, period.end).items()}
            self.computed.append("telemetry.selectors.energy_by(by='device')")
            unit, fmt = "kWh", lambda v: f"{v:,.2f} kWh"
        groups: dict[str, float] = {}
        for device in consumers:
            if device.id not in raw:
                continue
            key = device.name if by == "device" else (device.room or "No room") if by == "room" else device.type_name
            groups[key] = round(groups.get(key, 0.0) + raw[device.id], 3)
        if not groups:
            return self.no_data(plan, HOME, period)
        ranked = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ranked[: plan.options["top"]] if plan.options.get("top") else ranked[:1]
        total = sum(groups.values())
        leader, value = ranked[0]
        apart = f" (apart from {plan.options['exclude_label']})" if exclude else ""
        if plan.options.get("top"):
            listed = "; ".join(f"{i + 1}. {name} {fmt(v)}" for i, (name, v) in enumerate(shown))
            text = f"Top {len(shown)} {by}s{apart} {self.when(period)}: {listed}."
        else:
            share = value / total * 100 if total else 0
            text = (
                f"{leader} {'cost' if plan.measure == 'cost' else 'used'} the most{apart} {self.when(period)}: "
                f"{fmt(value)}, {share:.0f} % of the {len(groups)} {by}s measured."
            )
            if len(ranked) > 1:
                text += f" Next: {ranked[1][0]} ({fmt(ranked[1][1])})."
        figures = [{"label": name, "value": v, "unit": unit} for name, v in ranked[: max(len(shown), 5)]]
        names = [n for n, _ in ranked[:10]]
        chart = energy_bars_figure(
            names, [("Energy" if unit == "kWh" else "Cost", [v for _, v in ranked[:10]])], x_title=by.capitalize()
        )
        if unit != "kWh":
            chart["layout"]["yaxis"]["title"]["text"] = f"Cost ({self.home.currency_symbol})"
        return Answer("answer", text, period=period, figures=figures, chart=chart)

    def _measure(self, plan: Plan, scope: Scope, period: Period) -> tuple[float, bool, str]:
        if plan.measure == "cost":
            cost, _k, has, _n = self.scope_cost(scope, period)
            return cost, has, self.home.currency
        value, has = self.scope_energy(scope, period)
        return kwh(value), has, "kWh"

    def do_compare(self, plan: Plan) -> Answer:
        if plan.measure == "cost" and not self.home.tariffs.exists():
            return Answer("declined", "This home has no tariff yet, so I can't compare costs.")
        if plan.scopes:
            period = plan.periods[0] if plan.periods else default_period(now=self.now, zone=self.zone)
            items = [(s.label, *self._measure(plan, s, period)) for s in plan.scopes[:2]]
            periods = (period,)
        else:
            first, second = plan.periods[0], plan.periods[1]
            if first.to_date and not second.to_date and second.kind == first.kind and second.start < first.start:
                # "this month with last month": last month up to the same elapsed point, said so
                second = replace(
                    second,
                    end=min(second.end, second.start + (first.end - first.start)),
                    label=second.label + " to the same point",
                    to_date=False,
                )
            items = [(p.label, *self._measure(plan, plan.scope, p)) for p in (first, second)]
            periods = (first, second)
        (label_a, a, has_a, unit), (label_b, b, has_b, _u) = items
        if not has_a and not has_b:
            return Answer("declined", "There is no data for either side of that comparison.", period=periods[0])
        fmt = (lambda v: f"{v:,.2f} kWh") if unit == "kWh" else self.money_text
        diff = round(a - b, 3)
        pct = f"{diff / b * 100:+.1f} %" if b else "no percentage (the second figure is zero)"
        if plan.scopes:
            when = self.when(periods[0])
            text = (
                f"{when[:1].upper()}{when[1:]}: {label_a} {fmt(a)}, {label_b} {fmt(b)}; difference {fmt(diff)} ({pct})."
            )
        else:
            text = (
                f"{plan.scope.label.capitalize()}: {fmt(a)} {self.when(periods[0])} vs {fmt(b)} "
                f"{self.when(periods[1])}; difference {fmt(diff)} ({pct})."
            )
        figures = [
            {"label": label_a, "value": a, "unit": unit},
            {"label": label_b, "value": b, "unit": unit},
            {"label": "difference", "value": diff, "unit": unit},
        ]
        if b:
            figures.append({"label": "change", "value": round(diff / b * 100, 1), "unit": "%"})
        chart = energy_bars_figure([label_a, label_b], [("Energy" if unit == "kWh" else "Cost", [a, b])], x_title="")
        return Answer("answer", text, period=periods[0], figures=figures, chart=chart)

    def do_share(self, plan: Plan) -> Answer:
        period, scope = plan.periods[0], plan.scope
        if scope.kind == "home":
            return self.do_ranking(
                Plan(**{**plan.__dict__, "intent": "ranking", "options": {"top": 5, "by": "device"}})
            )
        part, has = self.scope_energy(scope, period)
        whole, has_whole = self.scope_energy(HOME, period)
        if not has or not has_whole or whole <= 0:
            return self.no_data(plan, scope, period)
        pct = part / whole * 100
        text = (
            f"{scope.label} used {kwh(part):,.2f} kWh of the home's {kwh(whole):,.2f} kWh "
            f"{self.when(period)}: {pct:.1f} %."
        )
        figures = [
            {"label": f"Share, {scope.label}", "value": round(pct, 1), "unit": "%"},
            {"label": f"Energy, {scope.label}", "value": kwh(part), "unit": "kWh"},
            {"label": "Energy, whole home", "value": kwh(whole), "unit": "kWh"},
        ]
        return Answer("answer", text, period=period, figures=figures)

    def do_help(self, plan: Plan) -> Answer:
        names = ", ".join(self.catalogue.names()[:6]) or "no devices yet"
        text = (
            "Ask me about energy, costs, peaks, base load, rankings and comparisons, over periods such as "
            f"“yesterday”, “last week” or “between 1 and 7 October”; or to switch a device. Devices here: {names}."
        )
        return Answer("answer", text, suggestions=self.suggestions(plan))

    def do_why(self, plan: Plan) -> Answer:
        period = plan.periods[0]
        ranked = self.do_ranking(
            Plan(
                kind="plan",
                intent="ranking",
                measure=plan.measure,
                periods=(period,),
                options={"top": 3, "by": "device"},
            )
        )
        if ranked.kind != "answer":
            return ranked
        ranked.text = f"Behind the figure for {self.when(period)}: " + ranked.text.split(": ", 1)[1]
        return ranked
