"""The contact API's one router (mounted at /api/v1/, tag "contact"); each resource's module adds
its operations to it."""

from ninja import Router

router = Router(tags=["contact"])
