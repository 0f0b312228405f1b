"""Background work of service plans (Huey): every minute, ``plans_process_due``.

That one call renews or ends subscriptions whose period is over (a scheduled change first),
ends past-due ones whose grace period is over, sends renewal reminders (once per period),
retries failed or uncollected payments and refunds, and closes abandoned change attempts. Each
step is idempotent and keyed by the clock, so a worker that was down catches up on its next run,
and two runs at once do not charge, refund or remind twice — which is why there is no task lock
(a lock left behind by a crashed worker would stop renewals until someone flushed it).

The consumer (``fairdesk worker``, djhuey's ``run_huey``) finds this module by autodiscovering
``tasks`` in every installed app.
"""

from __future__ import annotations

# huey ships no type information (its imports are untyped: pyproject.toml): its decorator too
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fairdesk.plans.services.renewals import plans_process_due


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def process_due_plans() -> dict[str, int]:
    return plans_process_due()
