"""The project's URLs and error handlers, with two views that fail (site/tests/test_errors.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from fairdesk.urls import handler400, handler403, handler404, handler500
from fairdesk.urls import urlpatterns as project_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internal detail: the database password is hunter2")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), *project_urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
