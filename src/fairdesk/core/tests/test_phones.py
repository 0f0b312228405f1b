import pytest

from fairdesk.core.phones import mask_phone, normalize_mobile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("12800138000", None),
        ("1380013800", None),
        ("400-820-1046", None),
        ("", None),
    ],
)
def test_normalize_mobile(text: str, expected: str | None) -> None:
    assert normalize_mobile(text) == expected


def test_mask_phone() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("4008201046") == "******1046"
    assert mask_phone("") == ""
