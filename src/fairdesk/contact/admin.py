"""Admin of the contact centre: the assistant's answers and the complaint policy (editable),
agents (status, skills, languages, limit), and read-only views of contacts, callbacks and
complaints with their logs.

Contacts, callbacks and complaints change only through the services (portal, console, API,
worker), so that every change is checked and logged. The logs — messages, assignments, complaint
events — are append-only: nobody adds, edits or deletes them here, superusers included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fairdesk.contact import selectors
from fairdesk.contact.choices import AgentStatus
from fairdesk.contact.export import customer_pseudonym
from fairdesk.contact.models import (
    AgentProfile,
    Assignment,
    Callback,
    Complaint,
    ComplaintEvent,
    ComplaintPolicy,
    Contact,
    ContactMessage,
    FaqEntry,
)
from fairdesk.contact.services.queue import agent_set_status
from fairdesk.core import roles
from fairdesk.core.admin import ModelAdmin, PersonalDataAdmin, ReadOnlyAdmin, ReadOnlyInline
from fairdesk.core.masking import redact
from fairdesk.core.phones import mask_phone

AGENT_LANGUAGES = ("zh-hans", "en")

if TYPE_CHECKING:  # generic in the stubs, not at run time
    ModelForm = forms.ModelForm[AgentProfile]
else:
    ModelForm = forms.ModelForm


def _sees_personal_data(request: HttpRequest) -> bool:
    """Agents and brand administrators; auditors read complaints redacted, as in the export
    (``core.roles.masks_personal_data``)."""
    return not roles.user_masks_personal_data(request.user)


def _customer_label(customer: Any) -> str:
    if customer is None:
        return "—"
    return f"{customer.name or '—'} ({mask_phone(customer.phone)})"


# --------------------------------------------------------------------------------------------
# Editable: automatic answers, the complaint policy, agents
# --------------------------------------------------------------------------------------------


@admin.register(FaqEntry)
class FaqEntryAdmin(ModelAdmin):
    list_display = ["keywords", "active"]
    list_filter = ["active"]
    search_fields = ["keywords", "answer", "answer_en"]


@admin.register(ComplaintPolicy)
class ComplaintPolicyAdmin(ModelAdmin):
    """One row (pk 1): the deadlines of the complaint steps."""

    list_display = [
        "__str__",
        "acknowledge_hours",
        "resolve_days",
        "green_resolve_days",
        "customer_answer_days",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ComplaintPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ComplaintPolicy, form: Any, change: bool
    ) -> None:
        obj.pk = 1
        super().save_model(request, obj, form, change)


def _split(value: str) -> list[str]:
    items = [part.strip() for part in value.replace("，", ",").split(",")]
    return list(dict.fromkeys(item for item in items if item))


class AgentProfileForm(ModelForm):
    product_lines = forms.CharField(
        label=gettext_lazy("product lines (empty: all)"),
        required=False,
        help_text=gettext_lazy("Comma-separated, e.g. air_conditioner, water_heater"),
    )
    languages = forms.CharField(
        label=gettext_lazy("languages"),
        required=False,
        help_text=gettext_lazy("Comma-separated: zh-hans, en"),
    )

    class Meta:
        model = AgentProfile
        fields = ["user", "status", "product_lines", "languages", "max_concurrent"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["product_lines"] = ", ".join(self.instance.product_lines or [])
            self.initial["languages"] = ", ".join(self.instance.languages or [])
        else:
            self.initial.setdefault("languages", "zh-hans")

    def clean_product_lines(self) -> list[str]:
        return _split(self.cleaned_data.get("product_lines") or "")

    def clean_languages(self) -> list[str]:
        languages = _split(self.cleaned_data.get("languages") or "")
        unknown = [lang for lang in languages if lang not in AGENT_LANGUAGES]
        if unknown:
            raise forms.ValidationError(
                _("Unknown language: %(languages)s (use zh-hans or en).")
                % {"languages": ", ".join(unknown)}
            )
        if not languages:
            raise forms.ValidationError(_("An agent needs at least one language."))
        return languages

    def clean_max_concurrent(self) -> int:
        value: int = self.cleaned_data["max_concurrent"]
        if not 1 <= value <= 20:
            raise forms.ValidationError(_("Between 1 and 20 conversations at once."))
        return value


@admin.register(AgentProfile)
class AgentProfileAdmin(ModelAdmin):
    """Agents' status, skills (product lines), languages and limit. A status change goes through
    ``services.queue.agent_set_status`` (its time is recorded and waiting contacts are assigned)."""

    form = AgentProfileForm
    list_display = ["user", "status", "status_since", "max_concurrent", "skills", "langs"]
    list_filter = ["status"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]

    @admin.display(description=gettext_lazy("product lines"))
    def skills(self, obj: AgentProfile) -> str:
        return ", ".join(obj.product_lines or []) or _("all")

    @admin.display(description=gettext_lazy("languages"))
    def langs(self, obj: AgentProfile) -> str:
        return ", ".join(obj.languages or [])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["user", "status_since", "idle_since"] if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = ("user", "status", "product_lines", "languages", "max_concurrent")
        return (*fields, "status_since", "idle_since") if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: AgentProfile, form: Any, change: bool) -> None:
        now = timezone.now()
        new_status = obj.status
        if change:
            previous = AgentProfile.objects.get(pk=obj.pk).status
        else:
            obj.status_since = obj.idle_since = now
            previous = AgentStatus.AWAY
        obj.status = previous  # the status changes through the service, below
        super().save_model(request, obj, form, change)
        if new_status != previous:
            agent_set_status(agent_user=obj.user, status=new_status, now=now)
            obj.refresh_from_db()


# --------------------------------------------------------------------------------------------
# Read-only: contacts, callbacks, complaints, and the append-only logs
# --------------------------------------------------------------------------------------------


class MessageInline(ReadOnlyInline):
    model = ContactMessage
    fields = readonly_fields = ("at", "sender", "agent", "text")
    ordering = ["at", "id"]


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = readonly_fields = ("at", "agent", "waited_seconds", "reason")
    ordering = ["at", "id"]


class CallbackInline(ReadOnlyInline):
    model = Callback
    fields = readonly_fields = (
        "masked_phone",
        "window_start",
        "window_end",
        "status",
        "done_at",
        "missed_at",
        "escalation_level",
    )

    @admin.display(description=gettext_lazy("phone"))
    def masked_phone(self, obj: Callback) -> str:
        return mask_phone(obj.phone)


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "contact_type",
        "channel",
        "status",
        "safety_hazard",
        "customer_display",
        "agent",
        "created_at",
    ]
    list_filter = ["status", "contact_type", "channel", "safety_hazard"]
    list_select_related = ["customer", "agent__user"]
    date_hierarchy = "created_at"
    fields = [
        "contact_type",
        "channel",
        "status",
        "safety_hazard",
        "customer_display",
        "masked_phone",
        "product_line",
        "language",
        "subject",
        "created_at",
        "queued_at",
        "assigned_at",
        "closed_at",
        "agent",
        "service_request",
        "subscription",
        "outcome",
    ]
    inlines = [MessageInline, AssignmentInline, CallbackInline]

    @admin.display(description=gettext_lazy("customer"))
    def customer_display(self, obj: Contact) -> str:
        return _customer_label(obj.customer)

    @admin.display(description=gettext_lazy("phone"))
    def masked_phone(self, obj: Contact) -> str:
        return mask_phone(obj.phone)


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ["contact", "masked_phone", "window_start", "window_end", "status", "breached"]
    list_filter = ["status", "escalation_level"]
    list_select_related = ["contact"]
    date_hierarchy = "window_end"
    fields = [
        "contact",
        "masked_phone",
        "window_start",
        "window_end",
        "status",
        "done_at",
        "done_by",
        "missed_at",
        "cancelled_at",
        "escalation_level",
    ]

    @admin.display(description=gettext_lazy("phone"))
    def masked_phone(self, obj: Callback) -> str:
        return mask_phone(obj.phone)

    @admin.display(description=gettext_lazy("promise broken"), boolean=True)
    def breached(self, obj: Callback) -> bool:
        return selectors.callback_missed(obj, timezone.now())  # never a cancelled one


EVENT_FIELDS = ("at", "actor_role", "actor", "from_status", "to_status", "note", "due_at")


def _redacted_events(fields: tuple[str, ...], request: HttpRequest) -> tuple[str, ...]:
    """An event's fields, the note redacted for those who may not see personal data."""
    if _sees_personal_data(request):
        return fields
    return tuple("redacted_note" if f == "note" else f for f in fields)


class ComplaintEventInline(PersonalDataAdmin, ReadOnlyInline):
    model = ComplaintEvent
    personal_fields = {"actor": "user"}
    fields = EVENT_FIELDS
    readonly_fields = (*EVENT_FIELDS, "redacted_note")
    ordering = ["at", "id"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return _redacted_events(EVENT_FIELDS, request)

    @admin.display(description=gettext_lazy("note"))
    def redacted_note(self, obj: ComplaintEvent) -> str:
        return redact(obj.note, names=[obj.complaint.customer.name])


COMPLAINT_FIELDS = (
    "number",
    "category",
    "green",
    "status",
    "customer_display",
    "description",
    "owner",
    "due_at",
    "escalation_level",
    "outcome",
    "external_body",
    "external_reference",
    "outlet",
    "service_request",
    "subscription",
    "contact",
    "created_at",
    "closed_at",
)


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "category",
        "green",
        "status",
        "due_at",
        "escalation_level",
        "outlet",
        "created_at",
    ]
    list_filter = ["status", "category", "green", "escalation_level"]
    list_select_related = ["outlet"]
    search_fields = ["number"]
    date_hierarchy = "created_at"
    fields = COMPLAINT_FIELDS
    inlines = [ComplaintEventInline]
    #: what auditors see instead (the export's redaction)
    REDACTED = {
        "customer_display": "customer_pseudonym",
        "description": "redacted_description",
        "outcome": "redacted_outcome",
    }

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if _sees_personal_data(request):
            return COMPLAINT_FIELDS
        return tuple(self.REDACTED.get(f, f) for f in COMPLAINT_FIELDS if f != "contact")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("customer")

    @admin.display(description=gettext_lazy("customer"))
    def customer_display(self, obj: Complaint) -> str:
        return _customer_label(obj.customer)

    @admin.display(description=gettext_lazy("customer"))
    def customer_pseudonym(self, obj: Complaint) -> str:
        return customer_pseudonym(obj.customer_id)

    @admin.display(description=gettext_lazy("description"))
    def redacted_description(self, obj: Complaint) -> str:
        return redact(obj.description, names=[obj.customer.name])

    @admin.display(description=gettext_lazy("outcome"))
    def redacted_outcome(self, obj: Complaint) -> str:
        return redact(obj.outcome, names=[obj.customer.name])


@admin.register(ContactMessage)
class ContactMessageAdmin(ReadOnlyAdmin):
    list_display = ["contact", "at", "sender", "short_text"]
    list_filter = ["sender"]
    fields = ["contact", "at", "sender", "agent", "text"]

    @admin.display(description=gettext_lazy("text"))
    def short_text(self, obj: ContactMessage) -> str:
        return obj.text[:80]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["contact", "agent", "at", "waited_seconds"]
    list_select_related = ["agent__user"]
    date_hierarchy = "at"
    fields = ["contact", "agent", "at", "waited_seconds", "reason"]


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(PersonalDataAdmin, ReadOnlyAdmin):
    personal_fields = {"actor": "user"}
    list_display = ["complaint", "at", "actor_role", "from_status", "to_status"]
    list_filter = ["actor_role", "to_status"]
    list_select_related = ["complaint", "complaint__customer"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return _redacted_events(("complaint", *EVENT_FIELDS), request)

    @admin.display(description=gettext_lazy("note"))
    def redacted_note(self, obj: ComplaintEvent) -> str:
        return redact(obj.note, names=[obj.complaint.customer.name])

    fields = ("complaint", *EVENT_FIELDS)
