from fairdesk.core.testing import _plain_static_storage  # noqa: F401  (autouse)
