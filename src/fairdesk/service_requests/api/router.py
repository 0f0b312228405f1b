"""The service-request API's one router (mounted at /api/v1/service-requests); each resource's
module adds its operations to it."""

from ninja import Router

router = Router()
