"""The routing configuration as a process keeps it: which active outlets cover a division, the
SLA policies, the outlets' business calendars — read by every request filed, changed rarely.

``routing_config()`` reads the *routing* generation (``core.generations``: triggers on outlets,
coverage, SLA policies and calendars renew it in the writing transaction, migration 0010) and
answers from what the process computed under that same generation, computing what it has not
yet. An admin edit, a coverage import, a bulk update or plain SQL is seen by the next request.
"""

from __future__ import annotations

from typing import Any

from fairdesk.core.generations import Answers, Kept
from fairdesk.network.selectors import CoverageAnswer, CoverageIndex, coverage_for
from fairdesk.service_requests.models import SlaPolicy
from fairdesk.service_requests.selectors import choose_policies, outlet_calendar, policy_candidates
from fairdesk.service_requests.sla import CalendarSpec

ROUTING = Kept("routing")


class RoutingConfig:
    """Answers of one generation of the routing configuration (shared by the threads of the
    process: what it hands out is read, never changed)."""

    __slots__ = ("_answers",)

    def __init__(self, answers: Answers) -> None:
        self._answers = answers

    def coverage_index(self) -> CoverageIndex:
        """The active outlets' coverage, read once for the generation."""
        return self._answers.get("coverage index", CoverageIndex.load)

    def coverage(self, code: str) -> CoverageAnswer:
        """``network.selectors.coverage_for(code=code)``, from the ``coverage_index``."""
        index = self.coverage_index()
        return self._answers.get(("coverage", code), lambda: coverage_for(code=code, index=index))

    def policies(
        self, *, kind: str, priority: str, division_code: str, covered: bool
    ) -> dict[str, SlaPolicy]:
        """``selectors.applicable_policies``: the candidates are kept per kind, priority and
        coverage, and chosen for the division at each call."""
        candidates = self._answers.get(
            ("policies", kind, priority, covered),
            lambda: policy_candidates(kind=kind, priority=priority, covered=covered),
        )
        return choose_policies(candidates, division_code=division_code)

    def outlet_calendar(self, outlet: Any) -> CalendarSpec | None:
        """``selectors.outlet_calendar``: the outlet's own business calendar, if it has one."""
        if outlet is None:
            return None
        return self._answers.get(("calendar", outlet.pk), lambda: outlet_calendar(outlet))


def routing_config() -> RoutingConfig:
    """The routing configuration now (one short statement, then answers from memory)."""
    return RoutingConfig(ROUTING.current())


def warm_up() -> None:
    """Read the coverage of the active outlets into this process's memory
    (a server does it before it forks its workers: they share what it read until the routing
    configuration changes)."""
    routing_config().coverage_index()
