"""Sign-in with a mobile number and a one-time code: codes, expiry, limits, lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from fairdesk.core.errors import DomainError
from fairdesk.core.testing import at_once
from fairdesk.customers.models import Customer, LoginCode
from fairdesk.customers.services import (
    code_hash,
    customer_get_or_create,
    login_code_request,
    login_code_verify,
    login_codes_purge,
    login_locked_until,
)
from fairdesk.customers.tests.conftest import PHONE, code_from_outbox, other_code
from fairdesk.notifications.models import Message

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
IP = "203.0.113.7"


@pytest.fixture
def clock(time_machine: Any) -> Any:
    time_machine.move_to(START, tick=False)
    return time_machine


def fails(expected: str, fn: Any, /, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(**kwargs)
    assert info.value.code == expected, (info.value.code, info.value.message)
    return info.value


def test_request_stores_only_a_hash_and_sends_the_code_by_sms(clock: Any) -> None:
    row = login_code_request(phone="+86 138-0013-8000", ip=IP)
    assert row.phone == PHONE and str(row.ip) == IP
    assert row.created_at == START and row.expires_at == START + timedelta(minutes=5)
    message = Message.objects.get(kind="login_code")
    assert message.channel == "sms" and message.recipient == PHONE
    code = code_from_outbox()
    assert row.code_hash == code_hash(PHONE, code) and code not in row.code_hash
    assert len(row.code_hash) == 64
    assert "验证码" in message.body and "5 分钟" in message.body  # zh-hans text by default
    # the hash depends on the number: the same digits for another number do not match
    assert code_hash("13900139000", code) != row.code_hash


def test_codes_are_random(clock: Any) -> None:
    codes = set()
    for i in range(6):
        phone = f"1390000000{i}"
        login_code_request(phone=phone, ip=None)
        codes.add(code_from_outbox(phone))
    assert len(codes) >= 5  # six random six-digit codes: a repeat is a one-in-tens-of-thousands


def test_happy_path_creates_customer_and_user(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    customer = login_code_verify(phone="138 0013 8000", code=code_from_outbox(), ip=IP)
    assert customer.phone == PHONE
    user = customer.user
    assert user is not None
    assert user.username == f"c{PHONE}" and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["customer"]
    assert not user.is_staff
    assert LoginCode.objects.get().used_at == START
    assert LoginCode.objects.get().attempts == 0  # a right code is not a failed attempt
    # the second sign-in finds the same customer and user
    clock.shift(timedelta(minutes=2))
    login_code_request(phone=PHONE, ip=IP)
    again = login_code_verify(phone=PHONE, code=code_from_outbox(), ip=IP)
    assert again.pk == customer.pk and again.user_id == user.pk
    assert get_user_model().objects.filter(username__startswith="c").count() == 1


def test_existing_customer_without_user_gets_one_and_its_language(clock: Any) -> None:
    customer = customer_get_or_create(phone=PHONE, name="王五")
    Customer.objects.filter(pk=customer.pk).update(language="en")
    login_code_request(phone=PHONE, ip=IP)
    message = Message.objects.get(kind="login_code")
    assert message.customer_id == customer.pk
    assert "sign-in code" in message.body  # the customer's language
    signed_in = login_code_verify(phone=PHONE, code=code_from_outbox(), ip=IP)
    assert signed_in.pk == customer.pk and signed_in.user is not None
    assert signed_in.name == "王五"


def test_code_is_single_use(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    code = code_from_outbox()
    login_code_verify(phone=PHONE, code=code, ip=IP)
    fails("code_used", login_code_verify, phone=PHONE, code=code, ip=IP)


def test_code_expires_after_five_minutes(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    code = code_from_outbox()
    clock.shift(timedelta(minutes=5))
    error = fails("code_expired", login_code_verify, phone=PHONE, code=code, ip=IP)
    assert error.status == 422
    assert not Customer.objects.exists()


def test_code_still_valid_just_before_expiry(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    clock.shift(timedelta(minutes=4, seconds=59))
    assert login_code_verify(phone=PHONE, code=code_from_outbox(), ip=IP).phone == PHONE


def test_only_the_latest_code_counts(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    first = code_from_outbox()
    clock.shift(timedelta(seconds=61))
    login_code_request(phone=PHONE, ip=IP)
    second = code_from_outbox()
    if first != second:
        fails("wrong_code", login_code_verify, phone=PHONE, code=first, ip=IP)
    assert login_code_verify(phone=PHONE, code=second, ip=IP).phone == PHONE


def test_no_code_requested(clock: Any) -> None:
    fails("no_code", login_code_verify, phone=PHONE, code="123456", ip=IP)


def test_wrong_code_counts_and_code_dies_after_five(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    code = code_from_outbox()
    wrong = other_code(code)
    left = []
    for _ in range(4):
        error = fails("wrong_code", login_code_verify, phone=PHONE, code=wrong, ip=IP)
        left.append(error.details["attempts_left"])
    assert left == [4, 3, 2, 1]
    fails("code_attempts_exhausted", login_code_verify, phone=PHONE, code=wrong, ip=IP)
    row = LoginCode.objects.get()
    assert row.attempts == 5 and row.last_failed_at == START
    # the right code no longer works either
    fails("code_attempts_exhausted", login_code_verify, phone=PHONE, code=code, ip=IP)
    assert not Customer.objects.exists()
    assert LoginCode.objects.get().used_at is None


def test_wrong_code_message_is_localised(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    wrong = other_code(code_from_outbox())
    with translation.override("zh-hans"):
        error = fails("wrong_code", login_code_verify, phone=PHONE, code=wrong, ip=IP)
    assert "验证码错误" in error.message and "4" in error.message
    with translation.override("en"):
        error = fails("wrong_code", login_code_verify, phone=PHONE, code=wrong, ip=IP)
    assert error.message == "Wrong code. You can try 3 more times with this code."


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_malformed_code_is_refused_without_counting(clock: Any, code: str) -> None:
    login_code_request(phone=PHONE, ip=IP)
    fails("invalid_code_format", login_code_verify, phone=PHONE, code=code, ip=IP)
    assert LoginCode.objects.get().attempts == 0


def test_full_width_code_is_accepted(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    code = code_from_outbox()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert login_code_verify(phone=PHONE, code=f" {full_width} ", ip=IP).phone == PHONE


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "400-820-1046", "", "abc"])
def test_bad_numbers(clock: Any, phone: str) -> None:
    with translation.override("en"):
        error = fails("invalid_phone", login_code_request, phone=phone, ip=IP)
    assert error.status == 422
    assert "not a mainland China mobile number" in error.message
    assert not LoginCode.objects.exists() and not Message.objects.exists()
    with translation.override("zh-hans"):
        error = fails("invalid_phone", login_code_verify, phone=phone, code="123456", ip=IP)
    assert "手机号" in error.message


def test_per_number_resend_interval(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    clock.shift(timedelta(seconds=45))
    with translation.override("en"):
        error = fails("code_requested_too_soon", login_code_request, phone=PHONE, ip=IP)
    assert error.status == 429 and error.details == {"retry_after": 15}
    assert "15 seconds" in error.message
    with translation.override("zh-hans"):
        error = fails("code_requested_too_soon", login_code_request, phone=PHONE, ip=IP)
    assert "15 秒" in error.message
    assert LoginCode.objects.count() == 1 and Message.objects.count() == 1
    clock.shift(timedelta(seconds=15))
    login_code_request(phone=PHONE, ip=IP)
    assert LoginCode.objects.count() == 2


def test_per_number_hourly_limit(clock: Any) -> None:
    for _ in range(5):
        login_code_request(phone=PHONE, ip=IP)
        clock.shift(timedelta(minutes=2))
    # 10 minutes after the first: the first one leaves the hour in 50 minutes
    with translation.override("en"):
        error = fails("too_many_codes_for_number", login_code_request, phone=PHONE, ip=IP)
    assert error.status == 429 and error.details == {"retry_after": 50 * 60}
    assert "50 minutes" in error.message
    assert LoginCode.objects.count() == 5
    clock.shift(timedelta(minutes=50))
    login_code_request(phone=PHONE, ip=IP)
    assert LoginCode.objects.count() == 6


def test_per_ip_hourly_limit(clock: Any) -> None:
    for i in range(20):
        login_code_request(phone=f"139{i:08d}", ip=IP)
    error = fails("too_many_codes_for_ip", login_code_request, phone="13700000000", ip=IP)
    assert error.status == 429 and error.details == {"retry_after": 3600}
    # another IP, or no IP known, is not limited by it
    login_code_request(phone="13700000000", ip="198.51.100.1")
    clock.shift(timedelta(hours=1))
    login_code_request(phone="13700000001", ip=IP)
    assert LoginCode.objects.count() == 22


def test_limits_are_settings_read_at_call_time(clock: Any, settings: Any) -> None:
    settings.LOGIN_CODE_RESEND_SECONDS = 0
    settings.LOGIN_CODE_MAX_PER_HOUR = 2
    login_code_request(phone=PHONE, ip=IP)
    login_code_request(phone=PHONE, ip=IP)
    fails("too_many_codes_for_number", login_code_request, phone=PHONE, ip=IP)
    settings.LOGIN_CODE_TTL_SECONDS = 60
    settings.LOGIN_CODE_MAX_PER_HOUR = 3
    row = login_code_request(phone=PHONE, ip=IP)
    assert row.expires_at == START + timedelta(seconds=60)


def test_lockout_after_ten_failures_even_with_a_fresh_code(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    wrong = other_code(code_from_outbox())
    for _ in range(4):
        fails("wrong_code", login_code_verify, phone=PHONE, code=wrong, ip=IP)
    fails("code_attempts_exhausted", login_code_verify, phone=PHONE, code=wrong, ip=IP)
    clock.shift(timedelta(minutes=1))
    login_code_request(phone=PHONE, ip=IP)
    wrong = other_code(code_from_outbox())
    for _ in range(4):
        fails("wrong_code", login_code_verify, phone=PHONE, code=wrong, ip=IP)
    locked_at = START + timedelta(minutes=2)
    clock.move_to(locked_at, tick=False)
    with translation.override("en"):
        error = fails("sign_in_locked", login_code_verify, phone=PHONE, code=wrong, ip=IP)
    assert error.status == 429 and error.details == {"retry_after": 15 * 60}
    assert "locked" in error.message and "15 minutes" in error.message
    assert login_locked_until(phone=PHONE) == locked_at + timedelta(minutes=15)
    # no fresh code while locked, and a code that would be right does not help
    clock.shift(timedelta(minutes=10))
    error = fails("sign_in_locked", login_code_request, phone=PHONE, ip=IP)
    assert error.details == {"retry_after": 5 * 60}
    fails("sign_in_locked", login_code_verify, phone=PHONE, code="000000", ip=IP)
    assert not Customer.objects.exists()
    # 15 minutes after the tenth failure: a fresh code signs in
    clock.move_to(locked_at + timedelta(minutes=15), tick=False)
    assert login_locked_until(phone=PHONE) is None
    login_code_request(phone=PHONE, ip=IP)
    assert login_code_verify(phone=PHONE, code=code_from_outbox(), ip=IP).phone == PHONE


def test_locked_number_refuses_even_the_right_code(clock: Any, settings: Any) -> None:
    settings.LOGIN_CODE_MAX_ATTEMPTS = 20  # one code takes all ten failures
    login_code_request(phone=PHONE, ip=IP)
    code = code_from_outbox()
    for _ in range(9):
        fails("wrong_code", login_code_verify, phone=PHONE, code=other_code(code), ip=IP)
    fails("sign_in_locked", login_code_verify, phone=PHONE, code=other_code(code), ip=IP)
    fails("sign_in_locked", login_code_verify, phone=PHONE, code=code, ip=IP)
    assert LoginCode.objects.get().used_at is None


def test_failures_older_than_the_window_do_not_lock(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    wrong = other_code(code_from_outbox())
    for _ in range(5):
        with pytest.raises(DomainError):
            login_code_verify(phone=PHONE, code=wrong, ip=IP)
    clock.shift(timedelta(minutes=16))
    login_code_request(phone=PHONE, ip=IP)
    wrong = other_code(code_from_outbox())
    for _ in range(4):
        fails("wrong_code", login_code_verify, phone=PHONE, code=wrong, ip=IP)
    fails("code_attempts_exhausted", login_code_verify, phone=PHONE, code=wrong, ip=IP)
    assert login_locked_until(phone=PHONE) is None


def test_lock_is_per_number(clock: Any, settings: Any) -> None:
    settings.LOGIN_CODE_MAX_ATTEMPTS = 20
    login_code_request(phone=PHONE, ip=IP)
    for _ in range(10):
        with pytest.raises(DomainError):
            login_code_verify(phone=PHONE, code=other_code(code_from_outbox()), ip=IP)
    assert login_locked_until(phone=PHONE) is not None
    login_code_request(phone="13900139000", ip=IP)
    other = login_code_verify(phone="13900139000", code=code_from_outbox("13900139000"), ip=IP)
    assert other.phone == "13900139000"


def test_disabled_account_cannot_sign_in(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    customer = login_code_verify(phone=PHONE, code=code_from_outbox(), ip=IP)
    assert customer.user_id is not None
    get_user_model().objects.filter(pk=customer.user_id).update(is_active=False)
    clock.shift(timedelta(minutes=1))
    login_code_request(phone=PHONE, ip=IP)
    error = fails(
        "account_disabled", login_code_verify, phone=PHONE, code=code_from_outbox(), ip=IP
    )
    assert error.status == 403
    assert LoginCode.objects.latest("id").used_at is None  # rolled back


def test_purge_keeps_recent_codes(clock: Any) -> None:
    login_code_request(phone=PHONE, ip=IP)
    clock.shift(timedelta(days=3))
    login_code_request(phone=PHONE, ip=IP)
    assert login_codes_purge() == 1
    assert LoginCode.objects.count() == 1


def _codes(outcomes: list[Any], ok: str = "ok") -> list[str]:
    """Each concurrent call's outcome (``at_once``): ``ok``, or the code of its DomainError."""
    codes = []
    for outcome in outcomes:
        if isinstance(outcome, DomainError):
            codes.append(outcome.code)
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            codes.append(ok)
    return codes


# Transactional tests here use serialized_rollback: the flush after them then leaves the tables
# empty instead of re-creating content types, and the next transactional test (the browser tests)
# restores the migrated data (roles, default SLA policies) cleanly.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_verifies_of_one_code_sign_in_once() -> None:
    login_code_request(phone=PHONE, ip=IP)
    code = code_from_outbox()
    outcomes = at_once(lambda: login_code_verify(phone=PHONE, code=code, ip=IP), 2)
    assert sorted(_codes(outcomes)) == ["code_used", "ok"]
    assert Customer.objects.count() == 1
    assert get_user_model().objects.filter(username=f"c{PHONE}").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_code_requests_for_one_number_send_one_code() -> None:
    outcomes = at_once(lambda: login_code_request(phone=PHONE, ip=IP), 4)
    assert sorted(_codes(outcomes, ok="sent")) == ["code_requested_too_soon"] * 3 + ["sent"]
    assert LoginCode.objects.count() == 1 and Message.objects.count() == 1
