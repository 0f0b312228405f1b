"""The worker's periodic task (``plans.tasks``): found by Huey's autodiscovery, runs
``plans_process_due``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from fairdesk.plans.models import (
    Invoice,
    Plan,
)
from fairdesk.plans.tests.conftest import T0

pytestmark = pytest.mark.django_db


def test_the_worker_finds_the_periodic_task() -> None:
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")  # what run_huey does at start
    from fairdesk.plans.tasks import process_due_plans

    for minute in range(0, 60, 7):  # due every minute (Huey's clock: naive UTC)
        due = HUEY.read_periodic(datetime(2026, 11, 23, 2, minute))
        assert process_due_plans.task_class().name in {task.name for task in due}, minute


def test_the_periodic_task_runs_plans_process_due(
    catalog: dict[str, Plan], subscribe: Any, clock: Any
) -> None:
    from fairdesk.plans.tasks import process_due_plans

    sub = subscribe(catalog["cloud-7"])
    clock.move_to(sub.period_end - timedelta(days=2))
    counts = process_due_plans.call_local()
    assert counts["reminders"] == 1
    clock.move_to(sub.period_end + timedelta(minutes=1))
    counts = process_due_plans.call_local()
    assert counts["rolled"] == 1
    sub.refresh_from_db()
    assert sub.period_start > T0 and Invoice.objects.filter(subscription=sub).count() == 2
