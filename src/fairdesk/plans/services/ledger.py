"""The double-entry ledger: every amount is posted as one balanced transaction (docs/plans.md,
"The ledger"). ``LedgerEntry`` rows are append-only."""

from __future__ import annotations

import uuid
from datetime import datetime

from fairdesk.plans.models import Invoice, LedgerEntry, PlanChange, Refund, Subscription


def ledger_post(
    sub: Subscription,
    kind: str,
    lines: list[tuple[str, int]],
    *,
    at: datetime,
    memo: str = "",
    invoice: Invoice | None = None,
    change: PlanChange | None = None,
    refund: Refund | None = None,
) -> None:
    """One balanced ledger transaction: ``lines`` are (account, fen; debit +). Zero lines are
    skipped; the rest must sum to zero."""
    lines = [(account, amount) for account, amount in lines if amount]
    if sum(amount for _account, amount in lines) != 0:
        raise AssertionError(f"unbalanced ledger transaction: {lines}")
    txn = uuid.uuid4()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            subscription=sub,
            txn=txn,
            account=account,
            amount_fen=amount,
            kind=kind,
            memo=memo[:200],
            invoice=invoice,
            change=change,
            refund=refund,
            at=at,
        )
        for account, amount in lines
    )
