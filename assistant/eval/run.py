"""Run the evaluation: every case through the local engine, then accuracy per intent, declines and latency.

``make eval`` runs all cases (``EVAL_ALL=1 pytest -s assistant/tests/test_eval.py``: pytest gives the
throw-away test database); ``python -m assistant.eval.run`` does the same. ``evaluate`` is what the
test calls; a case is right when the kind matches and every expectation it states holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from assistant.engine.core import answer_question
from assistant.eval.cases import Case


@dataclass
class Report:
    """Outcome of a run: per case (case, ok, why), latencies (ms) and the printable summary."""

    results: list[tuple[Case, bool, str]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(ok for _c, ok, _w in self.results) / len(self.results)

    @property
    def declines(self) -> tuple[int, int]:
        """(declined as expected, unanswerable cases)."""
        due = [(c, ok) for c, ok, _w in self.results if c.kind == "declined"]
        return sum(ok for _c, ok in due), len(due)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    def summary(self) -> str:
        by: dict[str, list[bool]] = defaultdict(list)
        for case, ok, _why in self.results:
            by[case.intent].append(ok)
        para = [ok for c, ok, _w in self.results if c.paraphrase]
        lines = [f"{'intent':<16}{'right':>7}{'cases':>7}{'accuracy':>10}"]
        for intent in sorted(by):
            oks = by[intent]
            lines.append(f"{intent:<16}{sum(oks):>7}{len(oks):>7}{sum(oks) / len(oks) * 100:>9.1f}%")
        right = sum(ok for _c, ok, _w in self.results)
        declined, due = self.declines
        lines += [
            f"{'all':<16}{right:>7}{len(self.results):>7}{self.accuracy * 100:>9.1f}%",
            f"paraphrases: {sum(para)}/{len(para)} right ({len(para) / len(self.results) * 100:.0f} % of the cases)",
            f"declines: {declined}/{due} unanswerable questions declined",
            f"latency: p50 {self.percentile(0.5):.1f} ms, p95 {self.percentile(0.95):.1f} ms, "
            f"max {max(self.latencies_ms):.1f} ms over {len(self.latencies_ms)} questions",
        ]
        wrong = [(c, w) for c, ok, w in self.results if not ok]
        if wrong:
            lines.append("wrong:")
            lines += [f"  [{c.home}/{c.intent}] {c.question!r}: {w}" for c, w in wrong]
        return "\n".join(lines)


def check(case: Case, answer) -> str:
    """Empty when ``answer`` is right for ``case``, else why not."""
    if answer.kind != case.kind:
        return f"kind {answer.kind} (expected {case.kind}): {answer.text[:120]}"
    if case.period and answer.period and (answer.period.start, answer.period.end) != case.period:
        return f"period {answer.period.start:%Y-%m-%d %H:%M}..{answer.period.end:%Y-%m-%d %H:%M} UTC"
    if case.period and answer.period is None:
        return "no period"
    if case.leader is not None:
        top = answer.figures[0]["label"] if answer.figures else None
        if top != case.leader:
            return f"leader {top!r} (expected {case.leader!r})"
    if case.value is not None:
        figures = [f for f in answer.figures if case.label is None or case.label.lower() in f["label"].lower()]
        if not figures:
            return f"no figure {case.label!r} in {answer.figures}"
        got = figures[0]["value"]
        if abs(got - case.value) > case.tol + 1e-9:
            return f"value {got} (expected {case.value:.3f} ± {case.tol:.3f})"
    return ""


def evaluate(cases: list[Case], homes: dict) -> Report:
    """Ask every case of its home (``homes``: name -> (Home, as_of)); follow-ups first ask their context."""

    report = Report()
    for case in cases:
        home, now = homes[case.home]
        previous = None
        for earlier in case.context:
            previous = answer_question(earlier, home=home, now=now).plan
        started = time.perf_counter()
        answer = answer_question(case.question, home=home, now=now, previous=previous)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        why = check(case, answer)
        report.results.append((case, not why, why))
    return report


def main() -> int:
    env = {**os.environ, "EVAL_ALL": "1"}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-s", "assistant/tests/test_eval.py"]
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
