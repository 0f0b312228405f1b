"""The outbox needs no task of the queue: the deliverer loop (``deliver_messages``, started by
``fairdesk worker``) takes what is due from the outbox table itself (``services``)."""
