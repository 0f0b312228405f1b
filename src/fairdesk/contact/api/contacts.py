"""Conversations: a customer starts a web chat, both sides write, one step to a person."""

from __future__ import annotations

from typing import Any

from ninja.responses import Status as Respond

from fairdesk.api.auth import ApiRequest, api_auth
from fairdesk.api.errors import responds
from fairdesk.api.schemas import Id
from fairdesk.contact import selectors
from fairdesk.contact.api.rendering import render_contact
from fairdesk.contact.api.router import router
from fairdesk.contact.api.schemas import ContactIn, ContactOut, SayIn, language_for
from fairdesk.contact.choices import Channel
from fairdesk.contact.services.conversations import (
    contact_reply,
    contact_request_human,
    contact_say,
    contact_start,
)
from fairdesk.contact.services.messages import check_length


@router.post(
    "/contacts",
    auth=api_auth,
    response=responds(ContactOut, 401, 403, 422, ok=(201,)),
    summary="Start a web chat / 发起在线咨询",
)
def start_contact(request: ApiRequest, payload: ContactIn) -> Respond[dict[str, Any]]:
    """A customer starts a conversation. It begins with the automatic assistant; the first words
    may already ask for a person (人工, agent) or mention a hazard, which queues it at once.
    403 ``forbidden`` for anyone but a customer (agents log phone calls in the console);
    422 ``invalid_contact_type``, ``invalid_language``, ``message_too_long``."""
    user = request.auth.user
    customer = selectors.access_customer(user)
    text = check_length(payload.text)
    contact = contact_start(
        contact_type=payload.contact_type,
        channel=Channel.WEB_CHAT,
        customer=customer,
        text=text,
        product_line=payload.product_line,
        language=language_for(payload.language, customer),
    )
    return Respond(201, render_contact(selectors.access_contact(user=user, contact_id=contact.pk)))


@router.get(
    "/contacts/{int:contact_id}",
    auth=api_auth,
    response=responds(ContactOut, 401, 404),
    summary="A conversation / 会话详情",
)
def get_contact(request: ApiRequest, contact_id: Id) -> dict[str, Any]:
    """The conversation with its messages, and while it waits its position and estimated wait.
    404 ``contact_not_found`` (also for another customer's)."""
    return render_contact(selectors.access_contact(user=request.auth.user, contact_id=contact_id))


@router.post(
    "/contacts/{int:contact_id}/messages",
    auth=api_auth,
    response=responds(ContactOut, 401, 403, 404, 409, 422, ok=(201,)),
    summary="Say something / 发送消息",
)
def say(request: ApiRequest, contact_id: Id, payload: SayIn) -> Respond[dict[str, Any]]:
    """The customer writes (to the assistant, which may hand over, or to the agent); the agent
    answering the conversation replies. 403 ``not_an_agent``, ``not_your_contact``; 409
    ``contact_closed``; 422 ``empty_message``, ``message_too_long``."""
    user = request.auth.user
    contact = selectors.access_contact(user=user, contact_id=contact_id)
    if selectors.is_contact_customer(user, contact):
        contact_say(contact=contact, text=payload.text)
    else:
        contact_reply(contact=contact, agent_user=user, text=payload.text)
    return Respond(201, render_contact(selectors.access_contact(user=user, contact_id=contact_id)))


@router.post(
    "/contacts/{int:contact_id}/human",
    auth=api_auth,
    response=responds(ContactOut, 401, 403, 404, 409),
    summary="Talk to a person / 转人工",
)
def request_human(request: ApiRequest, contact_id: Id) -> dict[str, Any]:
    """One step to a person, from any point of the conversation: the contact joins the queue
    now (repeating it changes nothing). A customer waits in one web chat at a time: when
    another of yours already waits, that one is answered (its ``id`` and ``position``; this
    one stays with the assistant and says so). 403 ``forbidden`` (not your conversation); 409
    ``contact_closed``."""
    user = request.auth.user
    contact = selectors.access_contact_as_customer(user=user, contact_id=contact_id)
    waiting = contact_request_human(contact=contact)
    return render_contact(selectors.access_contact(user=user, contact_id=waiting.pk))
