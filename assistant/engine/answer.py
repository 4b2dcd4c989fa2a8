"""Plan -> answer: runs the plan through the summary layer's selectors and words the result.

Every figure comes from a selector call (listed in ``computed``, the "how this was computed"
the page shows); nothing is estimated. A period without data is said plainly, never answered
with zero. Energy in kWh (3 decimals kept in figures, 2 shown), power in W, money in the home's
currency rounded to cents.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from accounts.models import Home
from analytics.charts import energy_bars_figure, power_lines_figure
from analytics.costs import daily_costs, month_overview
from analytics.selectors import Period as DayPeriod
from analytics.selectors import device_tile, energy_history, home_shape, latest_power, local_iso, power_now
from assistant.engine import readers
from assistant.engine.entities import HOME, Catalogue, Scope
from assistant.engine.intents import Plan
from assistant.engine.periods import Period, default_period, describe
from devices.models import Device

WEEKDAY_NAMES = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}


@dataclass
class Answer:
    """What the engine says: ``kind`` answer | clarify | declined | confirm, the text, the exact
    period(s), figures, a plotly figure (or None), follow-up suggestions, and how it was computed."""

    kind: str
    text: str
    period: Period | None = None
    figures: list[dict] = field(default_factory=list)
    chart: dict | None = None
    suggestions: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)
    plan: Plan | None = None
    devices: list[int] = field(default_factory=list)


def kwh(wh: float) -> float:
    return round(wh / 1000, 3)


def money(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.01")))


class Engine:
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

    def _series(self, scope: Scope, period: Period, step: timedelta):
        ids = None if scope.kind == "home" else scope.devices
        self.computed.append(f"telemetry.selectors.power_series(step={int(step.total_seconds() // 60)} min)")
        return readers.devices_series_w(self.home, ids, period.start, period.end, step)

    def do_peak(self, plan: Plan) -> Answer:
        period, scope = plan.periods[0], plan.scope
        step = readers.series_step(period.start, period.end)
        points = self._series(scope, period, step)
        if not points:
            return self.no_data(plan, scope, period)
        top = max(points, key=lambda p: (p.value, -p.at.timestamp()))
        minutes = int(step.total_seconds() // 60)
        step_text = f"{minutes}-minute" if minutes < 60 else "hourly" if minutes == 60 else "daily"
        at_local = top.at.astimezone(self.zone)
        text = (
            f"The peak of {scope.label} {self.when(period)} was {top.value:,.0f} W ({step_text} mean), "
            f"at {at_local:%a %-d %b %H:%M} ({self.zone.key})."
        )
        figures = [
            {"label": f"Peak power, {scope.label}", "value": round(top.value, 1), "unit": "W", "at": top.at.isoformat()}
        ]
        chart = power_lines_figure(
            [local_iso(p.at, self.home) for p in points], [(scope.label, [p.value for p in points])], height=300
        )
        return Answer("answer", text, period=period, figures=figures, chart=chart)

    def do_base_load(self, plan: Plan) -> Answer:
        period, scope = plan.periods[0], plan.scope
        points = self._series(scope, period, readers.HOUR)
        if not points:
            return self.no_data(plan, scope, period)
        low = min(points, key=lambda p: (p.value, p.at.timestamp()))
        text = (
            f"The base load of {scope.label} {self.when(period)} was {low.value:,.0f} W: the lowest hourly mean, "
            f"at {low.at.astimezone(self.zone):%a %-d %b %H:%M}. "
            f"That is {low.value * 24 / 1000:,.2f} kWh a day if it ran all day."
        )
        figures = [
            {"label": f"Base load, {scope.label}", "value": round(low.value, 1), "unit": "W", "at": low.at.isoformat()}
        ]
        chart = power_lines_figure(
            [local_iso(p.at, self.home) for p in points], [(scope.label, [p.value for p in points])], height=300
        )
        return Answer("answer", text, period=period, figures=figures, chart=chart)

    def do_average_power(self, plan: Plan) -> Answer:
        period, scope = plan.periods[0], plan.scope
        value, has = self.scope_energy(scope, period)
        if not has:
            return self.no_data(plan, scope, period)
        hours = (period.end - period.start).total_seconds() / 3600
        mean_w = value / hours
        text = (
            f"{scope.label.capitalize()} drew {mean_w:,.0f} W on average {self.when(period)} "
            f"({kwh(value):,.2f} kWh over {hours:,.1f} h)."
        )
        return Answer(
            "answer",
            text,
            period=period,
            figures=[{"label": f"Average power, {scope.label}", "value": round(mean_w, 1), "unit": "W"}],
        )

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

    def _tiles(self, scope: Scope):
        latest = latest_power(home=self.home)
        self.computed.append("telemetry.selectors.latest_power()")
        devices = Device.objects.filter(home=self.home, pk__in=list(scope.devices)).select_related("type")
        return [device_tile(d, latest.get(d.pk), now=self.now) for d in devices]

    def do_current_power(self, plan: Plan) -> Answer:
        scope = plan.scope
        if scope.kind == "home":
            shape = home_shape(self.home)
            power = power_now(self.home, shape=shape, latest=latest_power(home=self.home), now=self.now)
            self.computed.append("analytics.selectors.power_now()")
            if power.consumption_w is None or power.time is None:
                return Answer(
                    "declined",
                    "No device of this home has reported in the last 10 minutes, so I can't say what it draws now.",
                )
            newest = power.time.astimezone(self.zone)
            text = f"The home draws {power.consumption_text} now (newest reading {newest:%H:%M} {self.zone.key})."
            if power.solar_w is not None:
                text += f" Solar produces {power.solar_text}."
            return Answer(
                "answer",
                text,
                figures=[
                    {
                        "label": "Power now, whole home",
                        "value": round(power.consumption_w, 1),
                        "unit": "W",
                        "at": power.time.isoformat(),
                    }
                ],
            )
        tiles = self._tiles(scope)
        live = [t for t in tiles if t.power_w is not None and not t.is_offline]
        if not live:
            return Answer(
                "declined", f"{scope.label} has not reported in the last 10 minutes, so I don't know its power now."
            )
        total = sum(t.power_w for t in live)
        text = f"{scope.label} draws {total:,.0f} W now."
        return Answer(
            "answer", text, figures=[{"label": f"Power now, {scope.label}", "value": round(total, 1), "unit": "W"}]
        )

    def do_status(self, plan: Plan) -> Answer:
        scope = (
            plan.scope
            if plan.scope.kind != "home"
            else Scope("home", "the whole home", tuple(d.id for d in self.catalogue.devices))
        )
        tiles = self._tiles(scope)
        parts = []
        for t in tiles:
            seen = f"last seen {t.last_seen.astimezone(self.zone):%a %-d %b %H:%M}" if t.last_seen else "never seen"
            power = f", {t.power_text}" if t.power_w is not None and not t.is_offline else ""
            parts.append(f"{t.name}: {t.state_label}{power} ({seen})")
        if not parts:
            return Answer("declined", "This home has no devices yet.")
        return Answer(
            "answer",
            "; ".join(parts) + ".",
            figures=[
                {
                    "label": t.name,
                    "value": round(t.power_w or 0.0, 1),
                    "unit": "W",
                    "at": t.last_seen.isoformat() if t.last_seen else None,
                }
                for t in tiles
            ],
        )

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
