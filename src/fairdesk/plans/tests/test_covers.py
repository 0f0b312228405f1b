"""What a plan covers (``plans.covers``): the device a subscription names, switches only between
related families, and one live plan of a family per device — through the services, and racing
on the database (threads: the customer's lock and the database's constraint)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from time_machine import Traveller

from fairdesk.core.errors import DomainError
from fairdesk.core.testing import at_once
from fairdesk.customers.models import Customer
from fairdesk.plans import catalog as catalog_file
from fairdesk.plans import covers, selectors
from fairdesk.plans.choices import LIVE, ChangeKind, Channel, SubscriptionStatus, TimingRule
from fairdesk.plans.models import (
    ChangeAttempt,
    ChangePolicy,
    Plan,
    PlanEvent,
    PlanFamily,
    Subscription,
)
from fairdesk.plans.services.catalog import catalog_import
from fairdesk.plans.services.changes import change_confirm, change_start
from fairdesk.plans.services.subscriptions import consent_text, subscription_start
from fairdesk.plans.tests.conftest import demo_catalog
from fairdesk.plans.tests.devices import register_device

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def codes(document: Any) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in catalog_file.validate(document)]


def option_codes(sub: Subscription) -> set[str]:
    return {
        o.to_plan.code if o.to_plan else "cancel"
        for o in selectors.change_options(sub, at=timezone.now())
    }


def refused(call: Callable[[], Any]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


# --------------------------------------------------------------------------------------------
# The catalog: product lines and related families
# --------------------------------------------------------------------------------------------


def test_a_family_says_which_product_lines_it_covers() -> None:
    document = demo_catalog()
    del document["families"][0]["product_lines"]
    document["families"][1]["product_lines"] = ["air_conditioner", "spaceship"]
    document["families"][2]["product_lines"] = ["smart_home", "smart_home"]
    assert codes(document) == [
        ("families[0].product_lines", "required"),
        ("families[1].product_lines", "invalid_choice"),
        ("families[2].product_lines", "duplicate_code"),
    ]


def test_related_families_exist_and_cover_a_line_in_common() -> None:
    document = demo_catalog()
    document["families"][0]["related"] = ["ext-warranty", "cloud", "nowhere", "ac-care"]
    found = codes(document)
    assert found == [
        ("families[0].related", "related_without_common_line"),
        ("families[0].related", "unknown_family"),
        ("families[0].related", "invalid"),
    ]
    messages = [p.message for p in catalog_file.validate(document)]
    assert "“ac-care”" in messages[0] and "“cloud”" in messages[0]


def test_the_import_stores_lines_and_symmetric_relations(db: None) -> None:
    catalog_import(document=demo_catalog())
    care, warranty, cloud = (
        PlanFamily.objects.get(code=c) for c in ("ac-care", "ext-warranty", "cloud")
    )
    assert care.product_lines == ["air_conditioner"] and cloud.product_lines == ["smart_home"]
    # named on one side (ac-care), related both ways
    assert list(care.related.all()) == [warranty] and list(warranty.related.all()) == [care]
    assert not cloud.related.exists()
    # a document without the relation removes it, on both sides
    document = demo_catalog()
    del document["families"][0]["related"]
    catalog_import(document=document)
    assert not care.related.exists() and not warranty.related.exists()


# --------------------------------------------------------------------------------------------
# Switches only between related families, covering the same device
# --------------------------------------------------------------------------------------------


def test_cloud_storage_cannot_be_switched_to_air_conditioner_care(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    cloud = subscribe(catalog["cloud-30"])
    assert option_codes(cloud) == {"cloud-7", "cloud-90", "cancel"}
    error = refused(
        lambda: change_start(
            subscription=cloud, to_plan=catalog["ac-care-basic"], channel=Channel.API
        )
    )
    assert (error.code, error.status) == ("change_not_related", 422)
    assert not ChangeAttempt.objects.exists()  # nothing recorded
    assert not PlanEvent.objects.filter(kind="change_started").exists()


def test_care_switches_to_the_related_warranty_of_its_own_device(
    catalog: dict[str, Plan],
    subscribe: Callable[..., Subscription],
    customer: Customer,
    clock: Traveller,
) -> None:
    care = subscribe(catalog["ac-care-standard"])
    assert option_codes(care) == {
        "ac-care-basic",
        "ac-care-premium",
        "warranty-plus",
        "warranty-max",
        "cancel",
    }
    attempt = change_start(subscription=care, to_plan=catalog["warranty-max"], channel=Channel.API)
    assert attempt.kind == ChangeKind.SWITCH
    change_confirm(attempt_id=attempt.pk, channel=Channel.API)
    care.refresh_from_db()
    assert care.plan.code == "warranty-max" and care.device is not None
    assert care.device.product_model.product_line == "air_conditioner"


def test_a_warranty_on_a_water_heater_is_not_switched_to_air_conditioner_care(
    catalog: dict[str, Plan],
    subscribe: Callable[..., Subscription],
    customer: Customer,
    clock: Traveller,
) -> None:
    heater = register_device(customer, "water_heater")
    warranty = subscribe(catalog["warranty-plus"], device=heater)
    assert option_codes(warranty) == {"warranty-max", "cancel"}
    error = refused(
        lambda: change_start(
            subscription=warranty, to_plan=catalog["ac-care-basic"], channel=Channel.API
        )
    )
    assert (error.code, error.status) == ("device_not_covered", 422)


def test_a_switch_into_a_family_the_device_has_is_refused(
    catalog: dict[str, Plan],
    subscribe: Callable[..., Subscription],
    clock: Traveller,
) -> None:
    care = subscribe(catalog["ac-care-standard"])
    warranty = subscribe(catalog["warranty-plus"])
    assert care.device_id == warranty.device_id
    # the device has a warranty: no switch of its care plan to a warranty is offered
    assert option_codes(care) == {"ac-care-basic", "ac-care-premium", "cancel"}
    error = refused(
        lambda: change_start(
            subscription=care, to_plan=catalog["warranty-max"], channel=Channel.API
        )
    )
    assert (error.code, error.status) == ("already_subscribed", 409)
    assert error.details == {"subscription_id": warranty.pk}


# --------------------------------------------------------------------------------------------
# Subscribing names a device of a covered line, once per family
# --------------------------------------------------------------------------------------------


def test_a_plan_needs_a_device_of_a_line_it_covers(
    catalog: dict[str, Plan],
    subscribe: Callable[..., Subscription],
    customer: Customer,
    clock: Traveller,
) -> None:
    missing = refused(lambda: subscribe(catalog["warranty-plus"], device=None))
    assert (missing.code, missing.status) == ("device_required", 422)
    assert missing.details["product_lines"][0] == "air_conditioner"
    camera = register_device(customer, "smart_home")
    wrong = refused(lambda: subscribe(catalog["ac-care-basic"], device=camera))
    assert (wrong.code, wrong.status) == ("device_not_covered", 422)
    assert not Subscription.objects.exists()
    sub = subscribe(catalog["cloud-7"], device=camera)
    event = PlanEvent.objects.get(subscription=sub, kind="subscribed")
    assert sub.device == camera and event.data["device"] == camera.pk


def test_a_plan_held_for_a_device_is_not_subscribed_twice(
    catalog: dict[str, Plan],
    subscribe: Callable[..., Subscription],
    customer: Customer,
    clock: Traveller,
) -> None:
    first = subscribe(catalog["ac-care-basic"])
    same = refused(lambda: subscribe(catalog["ac-care-basic"], device=first.device))
    kin = refused(lambda: subscribe(catalog["ac-care-premium"], device=first.device))
    for error in (same, kin):
        assert (error.code, error.status) == ("already_subscribed", 409)
        assert error.details == {"subscription_id": first.pk}
    assert Subscription.objects.count() == 1
    # another air conditioner gets its own
    second = subscribe(catalog["ac-care-basic"], device=register_device(customer))
    assert second.device_id != first.device_id
    assert covers.subscribe_devices(customer, catalog["ac-care-basic"]) == []


def test_a_scheduled_switch_holds_its_family_for_the_device(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    ChangePolicy.objects.filter(pk=1).update(timing_rule=TimingRule.PERIOD_END)
    care = subscribe(catalog["ac-care-basic"])
    attempt = change_start(subscription=care, to_plan=catalog["warranty-plus"], channel="api")
    change_confirm(attempt_id=attempt.pk, channel=Channel.API)
    error = refused(lambda: subscribe(catalog["warranty-max"], device=care.device))
    assert (error.code, error.details) == ("already_subscribed", {"subscription_id": care.pk})


def test_a_device_that_changed_hands_keeps_one_cover(
    catalog: dict[str, Plan],
    subscribe: Callable[..., Subscription],
    customer: Customer,
    clock: Traveller,
) -> None:
    first = subscribe(catalog["cloud-30"])
    camera = first.device
    assert camera is not None
    buyer = Customer.objects.create(phone="13900000009", name="买家")
    camera.customer = buyer
    camera.save()
    error = refused(lambda: subscribe(catalog["cloud-30"], who=buyer, device=camera))
    # the 409 does not name another customer's subscription
    assert (error.code, error.details) == ("already_subscribed", {"subscription_id": None})


def test_the_database_keeps_one_live_cover_per_device_and_plan(
    catalog: dict[str, Plan], subscribe: Callable[..., Subscription], clock: Traveller
) -> None:
    sub = subscribe(catalog["cloud-30"])
    copy = {
        f.attname: getattr(sub, f.attname)
        for f in Subscription._meta.concrete_fields
        if not f.primary_key
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(**copy)
    copy["status"] = SubscriptionStatus.ENDED  # an ended one is history, not a cover
    Subscription.objects.create(**copy)


# --------------------------------------------------------------------------------------------
# Racing (PostgreSQL row locks; SQLite has one writer at a time)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def slow_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check that a device has no plan of the family yet takes a while: racing callers are
    all inside it together unless a lock keeps them apart."""
    from fairdesk.plans import covers as covers_module
    from fairdesk.plans.services import subscriptions as subscriptions_module

    original = covers_module.held_cover

    def slow(*args: Any, **kwargs: Any) -> Subscription | None:
        found = original(*args, **kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(covers_module, "held_cover", slow)
    monkeypatch.setattr(subscriptions_module, "held_cover", slow)


def test_racing_subscriptions_of_one_device_make_one(
    catalog: dict[str, Plan], customer: Customer, clock: Traveller, slow_check: None
) -> None:
    camera = register_device(customer, "smart_home")
    plan = catalog["cloud-30"]

    def start() -> Subscription:
        return subscription_start(
            customer=customer,
            plan=plan,
            payment_method="demo-card-1",
            auto_renew=True,
            consent_text_shown=consent_text(plan, language=customer.language),
            device=camera,
            actor=customer.user,
        )

    outcomes = at_once(start, 4)
    made = [o for o in outcomes if isinstance(o, Subscription)]
    errors = [o for o in outcomes if not isinstance(o, Subscription)]
    assert len(made) == 1, outcomes
    assert all(isinstance(e, DomainError) and e.code == "already_subscribed" for e in errors)
    assert {e.details["subscription_id"] for e in errors if isinstance(e, DomainError)} == {
        made[0].pk
    }
    assert Subscription.objects.count() == 1


def test_a_switch_racing_a_subscription_of_its_family_leaves_one(
    catalog: dict[str, Plan],
    subscribe: Callable[..., Subscription],
    customer: Customer,
    clock: Traveller,
    slow_check: None,
) -> None:
    care = subscribe(catalog["ac-care-basic"])
    attempt = change_start(subscription=care, to_plan=catalog["warranty-plus"], channel="api")
    warranty = catalog["warranty-max"]
    calls = iter(["switch", "subscribe"])

    def either() -> Any:
        if next(calls) == "switch":
            return change_confirm(attempt_id=attempt.pk, channel=Channel.API)
        return subscription_start(
            customer=customer,
            plan=warranty,
            payment_method="demo-card-1",
            auto_renew=False,
            device=care.device,
        )

    outcomes = at_once(either, 2)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], DomainError), outcomes
    assert errors[0].code == "already_subscribed"
    live = Subscription.objects.filter(
        device=care.device, plan__family__code="ext-warranty", status__in=LIVE
    )
    assert live.count() == 1
