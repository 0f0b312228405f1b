"""The areas API's one router (mounted at /api/v1/areas)."""

from ninja import Router

router = Router()
