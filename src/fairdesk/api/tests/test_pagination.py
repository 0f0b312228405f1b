"""One way to page: limit and offset, with the total."""

from __future__ import annotations

import pytest

from fairdesk.api.models import ApiClient
from fairdesk.api.pagination import PageQuery, page_of


def test_a_page_of_a_list() -> None:
    rows = list(range(7))
    assert page_of(rows, PageQuery(limit=3, offset=3), lambda n: n * 10) == {
        "items": [30, 40, 50],
        "total": 7,
        "limit": 3,
        "offset": 3,
    }
    assert page_of(rows, PageQuery(limit=3, offset=9))["items"] == []


@pytest.mark.django_db
def test_a_page_of_a_queryset_is_two_queries(django_assert_num_queries, django_user_model) -> None:  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user("app")
    for n in range(5):
        ApiClient.objects.create(name=f"c{n}", user=user)
    with django_assert_num_queries(2):
        page = page_of(ApiClient.objects.order_by("name"), PageQuery(limit=2, offset=1))
    assert [c.name for c in page["items"]] == ["c1", "c2"] and page["total"] == 5
    with django_assert_num_queries(1):  # past the end: the count only
        assert page_of(ApiClient.objects.all(), PageQuery(limit=20, offset=10))["items"] == []


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError):
        PageQuery(limit=0, offset=0)
    with pytest.raises(ValueError):
        PageQuery(limit=101, offset=0)
    with pytest.raises(ValueError):
        PageQuery(limit=20, offset=-1)
