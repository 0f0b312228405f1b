"""The outbox: every message fairdesk sends, kept whether or not a gateway delivered it.

A message is written in the same transaction as the change it reports; the deliverer hands it to
its channel's sender (``senders.py``) once that transaction has committed. The table is the
queue. No logic here: writes go through ``services.py``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fairdesk.notifications.choices import Channel, MessageStatus


class Message(models.Model):
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # a phone number (sms), an e-mail address (email) or empty (portal: the customer's inbox)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("customer"),
        db_index=False,  # the (customer, -created_at) index starts with it
    )
    user = models.ForeignKey(
        "auth.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff recipient"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    # a text message's template parameters (kinds.SMS_KINDS: SMS providers send templates);
    # {} for the other channels
    params = models.JSONField(_("template parameters"), default=dict, blank=True)
    # what the message is about, e.g. a service request number
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    # sending twice with the same key is a no-op (unique: see Meta); NULL, not "", for the many
    # messages without a key, which must not collide
    dedupe_key = models.CharField(  # noqa: DJ001
        _("deduplication key"), max_length=200, null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MessageStatus.choices,
        default=MessageStatus.QUEUED,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sender = models.CharField(_("sent by"), max_length=100, blank=True)
    # after a failed attempt: not tried again before this (None: as soon as it is queued)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        # Each message is written once and updated twice by delivery, and every index is written
        # each time: each one here is used by a query. Declared here rather than with db_index
        # or unique on the text fields, which on PostgreSQL add a "_like" index no query uses.
        indexes = [
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["kind"], name="message_kind"),
            models.Index(fields=["reference"], name="message_reference"),
            models.Index(fields=["status"], name="message_status"),
            # the deliverer reads the queued messages without the others
            models.Index(
                fields=["id"],
                condition=models.Q(status=MessageStatus.QUEUED),
                name="message_queued",
            ),
        ]
        constraints = [
            # sending twice with the same key is a no-op (exactly-once escalations, reminders)
            models.UniqueConstraint(fields=["dedupe_key"], name="message_dedupe_key_unique"),
        ]

    def __str__(self) -> str:
        # no recipient: the admin's titles and logs would show a whole number
        return f"{self.channel} {self.kind} #{self.pk}"
