"""Power answers: peak and its moment, base load, average power, power now, device status."""

from __future__ import annotations

from datetime import timedelta

from analytics.charts import power_lines_figure
from analytics.selectors import device_tile, home_shape, latest_power, local_iso, power_now
from assistant.engine import readers
from assistant.engine.entities import Scope
from assistant.engine.intents import Plan
from assistant.engine.periods import Period
from assistant.engine.result import Answer, kwh
from devices.models import Device


class PowerAnswers:
    """Mixed into answer.Engine (which provides home, zone, now, computed, when, no_data, scope_energy)."""

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
