from fairdesk.core.testing import _default_language, _plain_static_storage  # noqa: F401  (autouse)
