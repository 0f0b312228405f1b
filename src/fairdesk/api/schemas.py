"""Schemas every app's API shares."""

from __future__ import annotations

from pydantic import BaseModel


class Data(BaseModel):
    """A schema for data that is plain JSON on both sides: a request body, or an answer the
    handler builds as a dict.

    Ninja's ``Schema`` wraps every value it validates, at every level, in a ``DjangoGetter`` so
    that it can read model instances and their managers; for a dict that is only overhead. A
    ``Data`` schema is validated by pydantic alone. Use Ninja's ``Schema`` where a handler
    returns model instances.
    """
