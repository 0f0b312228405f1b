"""The catalog commands: ``plans_validate`` and ``plans_import`` (all or nothing)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from fairdesk.plans.models import Plan, PriceChange
from fairdesk.plans.tests.conftest import CATALOG, T0, demo_catalog

pytestmark = pytest.mark.django_db


def _write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_plans_validate_exit_codes(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("plans_validate", str(CATALOG), stdout=out)
    assert "OK" in out.getvalue()

    document = demo_catalog()
    document["policy"]["timing"] = {"upgrade": "immediate", "downgrade": "period_end"}
    document["policy"]["requires_call"] = True
    document["families"][0]["plans"][1]["price"] = "19.999"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("plans_validate", _write(tmp_path, document), stdout=out, stderr=err)
    assert exit_.value.code == 1
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("policy.timing: ") and "[timing_differs_by_direction]" in lines[0]
    assert lines[1].startswith("policy.requires_call: ")
    assert lines[2].startswith("families[0].plans[1].price: ")
    assert "3 problem(s)" in err.getvalue()

    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{", encoding="utf-8")
    for path in (str(bad_json), str(tmp_path / "missing.json")):
        with pytest.raises(CommandError) as error:
            call_command("plans_validate", path, stdout=io.StringIO())
        assert error.value.returncode == 2


def test_plans_import_all_or_nothing(tmp_path: Path, clock: Any) -> None:
    out = io.StringIO()
    call_command("plans_import", str(CATALOG), stdout=out)
    assert "3 families, 8 plans, 1 retention offers loaded; 0 price changes" in out.getvalue()

    document = demo_catalog()
    document["families"][0]["plans"][0]["price"] = "209.00"
    document["policy"]["refund_default"] = "account_credit"
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("plans_import", _write(tmp_path, document), stdout=out, stderr=io.StringIO())
    assert exit_.value.code == 1
    assert "policy.refund_default: " in out.getvalue()
    assert not PriceChange.objects.exists()

    del document["policy"]["refund_default"]
    out = io.StringIO()
    call_command("plans_import", _write(tmp_path, document), stdout=out)
    assert "1 price changes announced" in out.getvalue()
    assert Plan.objects.get(code="ac-care-basic").price_fen == 19900
    assert PriceChange.objects.get().effective_at == T0 + timedelta(days=30)
