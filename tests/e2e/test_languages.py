"""Every page in both languages, in a real browser (issue 24 item 15): the pages of the URL
configuration (every GET page without arguments, and one of each detail page from the demo
data) rendered in 简体中文 and in English, as each role that sees them — a visitor, a customer,
an agent, an outlet manager and a brand administrator — and no text of the other language outside
user data:

* in a Chinese page, no Latin word but codes (a token with a digit, ``login_code``, an e-mail),
  the brand and the words of ``LATIN_ALLOWED`` (API, SMS, kWh…);
* in an English page, no Han character and no full-width punctuation (，。：).

What a page shows is its text and the text of its attributes a person sees or hears (``title``,
``placeholder``, ``aria-label``, ``alt``, the ``value`` of a button, the ``data-label`` that
narrow tables show before a cell). **User data** is not the page's language to choose: the demo's
stored texts (names, addresses, descriptions, chat messages, the outlets' coverage lists — every
text value of every row, but codes such as ``brand`` or ``login_code`` and the English column of a
translated field such as ``name``/``name_en``), and whatever a template marks: an element with
``data-user`` (the address field, whose example is an address in Chinese), with a ``lang`` of its
own (the language switcher names each language in itself; a consent text is in the customer's
language), ``code``/``kbd``/``samp`` (a message's kind, the words that reach a person).

Each page is rendered in both languages by every role that may open it (a status probe without
rendering tells which); each pattern of the URL configuration is either rendered, or answers only
POST (405), or is in ``NOT_PAGES`` — so a new page is checked without being listed. Django's admin
is not walked: its own words and django-axes' are not ours to translate, and its rows show codes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fairdesk.contact.choices import ContactStatus
from fairdesk.contact.models import Callback, Complaint, Contact
from fairdesk.core import roles
from fairdesk.customers.demo import DEMO_CUSTOMER_PHONE
from fairdesk.customers.models import Address, Customer, Device
from fairdesk.plans.choices import Channel
from fairdesk.plans.models import ChangeAttempt, Plan, PlanChange, Subscription
from fairdesk.plans.services.changes import change_confirm, change_start
from fairdesk.service_requests.models import ServiceRequest
from fairdesk.service_requests.selectors.tracking import tracking_token

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LANGUAGES = ("zh-hans", "en")
#: The roles, in the order they are tried for a page: the first that may open it renders it.
ROLES = ("anonymous", "customer", roles.AGENT, roles.OUTLET_MANAGER, roles.BRAND_ADMIN)

#: Patterns that are not pages of their own (outside the admin and the API, which have their own
#: tests): a file, the switcher's and sign-out's POST targets, the health check's JSON, the
#: payment providers' notifications, the ``/en/`` copies of pages rendered without the prefix.
NOT_PAGES = {
    "healthz",
    "set_language",
    "logout",
    "customers:logout",
    "customers:device_proof",
    "plans:alipay_notify",
    "plans:wechatpay_notify",
    "plans:wechatpay_papay_notify",
}
SKIPPED_PREFIXES = ("api/", "admin/", "i18n/", "en/")

#: Latin words a Chinese page may show: names of things that have no Chinese name in use (file
#: formats, units, protocols, products, a formula's name).
LATIN_ALLOWED = {
    "fairdesk",
    "API",
    "OpenAPI",
    "SMS",
    "SR",
    "kWh",
    "MB",
    "HTTP",
    "CSV",
    "JSON",
    "Excel",
    "PDF",
    "JPEG",
    "PNG",
    "Erlang C",
    "Alipay",
    "WeChat Pay",
}

HAN = re.compile(r"[\u2e80-\u2fff\u3040-\u9fff\uf900-\ufaff]")
FULL_WIDTH_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40]")
LATIN = re.compile(r"[A-Za-z]")
#: A token: letters, digits and the joiners of codes; one with a digit, an @ or an underscore
#: is a code (SR20260101000001, E1, FD-4401, login_code, agent@example.com).
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_@.'’/-]*")

#: The text a person sees on a page, as [where, text]: text nodes (not in scripts, styles or
#: user data) and the attributes that are shown or read out.
VISIBLE_TEXT = """
() => {
  const lang = document.documentElement.lang;
  const SKIP = "script, style, template, noscript, code, kbd, samp, [data-user]";
  const out = [["title", document.title]];
  const ours = (el) => {
    if (!el || el.closest(SKIP)) return false;
    const tagged = el.closest("[lang]");
    return !tagged || tagged.lang === lang;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.data.replace(/\\s+/g, " ").trim();
    if (text && ours(node.parentElement)) out.push([node.parentElement.tagName, text]);
  }
  const ATTRIBUTES = ["title", "placeholder", "aria-label", "alt", "data-label"];
  for (const el of document.body.querySelectorAll("*")) {
    if (!ours(el)) continue;
    for (const name of ATTRIBUTES) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push([`${el.tagName}@${name}`, value.trim()]);
    }
    const buttonLike = el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type);
    if (buttonLike && el.value) out.push([`${el.tagName}@value`, el.value]);
  }
  return out;
}
"""


# ------------------------------------------------------------------------------------------------
# The pages
# ------------------------------------------------------------------------------------------------


def url_patterns() -> Iterator[tuple[str, str, list[str]]]:
    """Every pattern of the URL configuration: (name with namespaces, route, argument names)."""

    def walk(patterns: Iterable[Any], prefix: str, namespace: str) -> Iterator[Any]:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                yield f"{namespace}{p.name or route}", route, list(p.pattern.converters)

    seen: set[str] = set()
    for name, route, arguments in walk(get_resolver().url_patterns, "", ""):
        if route.startswith(SKIPPED_PREFIXES) or route in seen:
            continue
        seen.add(route)
        yield name, route, arguments


def demo_instances() -> dict[str, Any]:
    """One instance of each thing a detail page shows, from the demo data (the demo customer's,
    so that the customer and the staff can all open it)."""
    customer = Customer.objects.get(phone=DEMO_CUSTOMER_PHONE)
    subscription = Subscription.objects.filter(customer=customer).order_by("id").first()
    attempt = (
        ChangeAttempt.objects.filter(subscription__customer=customer, outcome="open")
        .order_by("-id")
        .first()
    )
    change = PlanChange.objects.filter(subscription__customer=customer).order_by("id").first()
    held = Subscription.objects.filter(customer=customer).values("plan_id")
    values: dict[str, Any] = {
        "customer": customer.pk,
        "request": ServiceRequest.objects.filter(customer=customer).order_by("id").first(),
        "subscription": subscription,
        "attempt": attempt,
        "change": change,
        "plan_code": Plan.objects.exclude(id__in=held).order_by("id").first(),
        "contact": Contact.objects.filter(customer=customer)
        .exclude(status=ContactStatus.CLOSED)
        .order_by("id")
        .first(),
        "callback": Callback.objects.filter(contact__customer=customer).order_by("id").first(),
        "complaint": Complaint.objects.filter(customer=customer).order_by("id").first(),
        "address": Address.objects.filter(customer=customer).order_by("id").first(),
        "device": Device.objects.filter(customer=customer).order_by("id").first(),
    }
    missing = [key for key, value in values.items() if value is None]
    assert not missing, f"the demo data has no {missing}"
    values["track"] = tracking_token(values["request"])  # the signed link of its SMS
    values["request"] = values["request"].number
    values["plan_code"] = values["plan_code"].code
    return {key: getattr(value, "pk", value) for key, value in values.items()}


#: The instance each detail page is opened with (every pattern with arguments is here or in
#: NOT_PAGES: a new detail page fails the test until it is given one).
DETAIL = {
    "customers:address_default": "address",
    "customers:address_delete": "address",
    "portal:plan_subscribe": "plan_code",
    "portal:plan": "subscription",
    "portal:plan_change": "subscription",
    "portal:plan_auto_renew": "subscription",
    "portal:plan_preview": "attempt",
    "portal:plan_confirm": "attempt",
    "portal:plan_offer": "attempt",
    "portal:plan_done": "change",
    "portal:plan_undo": "change",
    "portal:request": "request",
    "portal:confirmation": "request",
    "portal:add_note": "request",
    "portal:change": "request",
    "portal:chat": "contact",
    "portal:chat_messages": "contact",
    "portal:chat_say": "contact",
    "portal:chat_human": "contact",
    "portal:chat_close": "contact",
    "portal:callback": "callback",
    "portal:callback_cancel": "callback",
    "portal:callback_move": "callback",
    "portal:track": "track",
    "portal:complaint": "complaint",
    "portal:complaint_record": "complaint",
    "portal:complaint_answer": "complaint",
    "console:caller": "customer",
    "console:file": "customer",
    "console:request": "request",
    "console:transition": "request",
    "console:assign": "request",
    "console:plan": "subscription",
    "console:plan_change_start": "subscription",
    "console:plan_auto_renew": "subscription",
    "console:plan_preview": "attempt",
    "console:plan_retime": "attempt",
    "console:plan_confirm": "attempt",
    "console:plan_accept_offer": "attempt",
    "console:plan_change": "change",
    "console:plan_undo": "change",
    "console:contact": "contact",
    "console:contact_messages": "contact",
    "console:contact_reply": "contact",
    "console:contact_close": "contact",
    "console:contact_type": "contact",
    "console:callback_done": "callback",
    "console:complaint": "complaint",
    "console:complaint_step": "complaint",
}


def argument(value: str, match: re.Match[str]) -> str:
    """A pattern's argument: the instance, or for an ``action`` (a POST target's verb) a word."""
    return "x" if match.group(1) == "action" else value


def page_urls(instances: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """{name: URL} of every pattern to try, and the patterns that are neither tried nor
    excused (a detail page without an instance)."""
    urls: dict[str, str] = {}
    unlisted: list[str] = []
    for name, route, arguments in url_patterns():
        if name in NOT_PAGES:
            continue
        if not arguments:
            urls[name] = "/" + route
            continue
        if name not in DETAIL:
            unlisted.append(f"{name} ({route})")
            continue
        value = str(instances[DETAIL[name]])
        urls[name] = "/" + re.sub(r"<(?:\w+:)?(\w+)>", partial(argument, value), route)
    return urls, unlisted


# ------------------------------------------------------------------------------------------------
# User data
# ------------------------------------------------------------------------------------------------


#: A stored value that is a code, not a text someone wrote: ``brand``, ``login_code``,
#: ``plans.change_confirmed``, ``en`` (a page that shows one shows a code, or a bug).
CODE_VALUE = re.compile(r"[a-z][a-z0-9]*(?:[_.-][a-z0-9]+)*")


def user_texts() -> list[str]:
    """Every text the demo stored (each line of it) but codes (``CODE_VALUE``; a user name is
    a name) and the English column of a translated field (``name_en``: the page's to show in
    English only)."""
    found: set[str] = set()
    User = get_user_model()

    def add(value: Any, *, name: bool = False) -> None:
        if isinstance(value, str):
            for line in value.splitlines():
                line = " ".join(line.split())
                if line and (name or not CODE_VALUE.fullmatch(line)):
                    found.add(line)
        elif isinstance(value, dict):
            for item in value.values():
                add(item)
        elif isinstance(value, list | tuple):
            for item in value:
                add(item)

    for username in User.objects.values_list(User.USERNAME_FIELD, flat=True):
        add(username, name=True)
    for model in [*apps.get_models(), User]:
        if not model.__module__.startswith("fairdesk.") and model is not User:
            continue
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.name.endswith("_en")
            and not f.choices
        ]
        for row in model._default_manager.values_list(*names) if names else ():
            for value in row:
                add(value)
    return sorted(found, key=len, reverse=True)


def other_language(text: str, language: str, allowed: set[str]) -> list[str]:
    """The words of ``text`` that belong to the other language than ``language``."""
    if language == "en":
        found = HAN.findall(text) + FULL_WIDTH_PUNCTUATION.findall(text)
        return [text] if found else []
    for phrase in allowed:
        text = re.sub(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", " ", text)
    words = []
    for token in TOKEN.findall(text):
        token = token.strip(".'’/-")
        if not LATIN.search(token) or re.search(r"[0-9@_]", token):
            continue  # a number or a code
        words.append(token)
    return words


class Checker:
    """Renders pages and collects the text of the other language, page by page."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = {
            "en": [t for t in texts if HAN.search(t) or FULL_WIDTH_PUNCTUATION.search(t)],
            "zh-hans": [t for t in texts if LATIN.search(t)],
        }
        self.problems: dict[str, set[str]] = {}

    def check(self, page: Any, language: str, where: str) -> None:
        shown: list[list[str]] = page.evaluate(VISIBLE_TEXT)
        everything = "\n".join(text for _tag, text in shown)
        present = [t for t in self.texts[language] if t in everything]
        for tag, text in shown:
            for user in present:
                if user in text:
                    # a Latin text only as whole words: "agent" is not in "agents"' place
                    text = re.sub(rf"(?<![A-Za-z]){re.escape(user)}(?![A-Za-z])", " ", text)
            for word in other_language(text, language, LATIN_ALLOWED):
                self.problems.setdefault(f"{language}: {word!r} ({tag})", set()).add(where)

    def report(self) -> str:
        return "\n".join(
            f"{problem} on {', '.join(sorted(where)[:3])}"
            for problem, where in sorted(self.problems.items())
        )


# ------------------------------------------------------------------------------------------------
# The test
# ------------------------------------------------------------------------------------------------


def seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    customer = Customer.objects.get(phone=DEMO_CUSTOMER_PHONE)
    if customer.user is None:  # as the first sign-in makes it
        user = get_user_model().objects.create_user(f"c{customer.phone}")
        user.groups.add(Group.objects.get(name=roles.CUSTOMER))
        customer.user = user
        customer.save(update_fields=["user"])
    # the demo has no finished plan change and no open attempt: one of each, as the portal makes
    subscriptions = Subscription.objects.filter(customer=customer).order_by("id")
    for subscription, confirm in zip(subscriptions, (True, False), strict=False):
        to_plan = (
            Plan.objects.filter(family=subscription.plan.family)
            .exclude(pk=subscription.plan_id)
            .order_by("tier_rank")
            .first()
        )
        attempt = change_start(
            subscription=subscription, to_plan=to_plan, channel=Channel.PORTAL, actor=customer.user
        )
        if confirm:
            change_confirm(attempt_id=attempt.pk, actor=customer.user, channel=Channel.PORTAL)


def session_of(role: str) -> str | None:
    if role == "anonymous":
        return None
    User = get_user_model()
    user = (
        Customer.objects.get(phone=DEMO_CUSTOMER_PHONE).user
        if role == "customer"
        else User.objects.get(username=role)
    )
    assert user is not None
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies["sessionid"].value


def test_every_page_speaks_one_language(browser: Any, live_server: Any) -> None:
    seed()
    instances = demo_instances()
    urls, unlisted = page_urls(instances)
    assert not unlisted, f"detail pages without a demo instance in DETAIL: {unlisted}"
    checker = Checker(user_texts())
    rendered: dict[str, set[str]] = {}  # page name → the roles that rendered it
    post_only: set[str] = set()

    for role in ROLES:
        session = session_of(role)
        contexts = {}
        for language in LANGUAGES:
            context = browser.new_context(
                base_url=live_server.url,
                locale="zh-CN" if language == "zh-hans" else "en-US",
                timezone_id="Asia/Shanghai",
                viewport={"width": 1280, "height": 900},
            )
            cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
            if session:
                cookies.append({"name": "sessionid", "value": session, "url": live_server.url})
            context.add_cookies(cookies)
            contexts[language] = context
        page = {language: contexts[language].new_page() for language in LANGUAGES}
        for name, url in urls.items():
            probe = contexts["en"].request.get(url, max_redirects=0)
            if probe.status == 405:
                post_only.add(name)
                continue
            if probe.status != 200 or "text/html" not in probe.headers.get("content-type", ""):
                continue
            rendered.setdefault(name, set()).add(role)
            for language in LANGUAGES:
                response = page[language].goto(url)
                assert response is not None and response.status == 200, (role, url)
                checker.check(page[language], language, f"{url} ({role})")
        for context in contexts.values():
            context.close()

    assert set().union(*rendered.values()) == set(ROLES), f"a role opened no page: {rendered}"
    assert len(rendered) > 40, f"too few pages rendered: {sorted(rendered)}"
    never = sorted(set(urls) - set(rendered) - post_only)
    assert not never, f"pages no role could open (give them an instance or a role): {never}"
    assert not checker.problems, "text of the other language:\n" + checker.report()


def test_the_rules_find_the_other_language() -> None:
    """The rules themselves, on what a new user found (no browser)."""
    assert other_language("转人工 / Talk to a person", "zh-hans", LATIN_ALLOWED) == [
        "Talk",
        "to",
        "a",
        "person",
    ]
    assert other_language("agent (brand)", "zh-hans", LATIN_ALLOWED) == ["agent", "brand"]
    assert not other_language(
        "SR2611230001 · E1 · 12 kWh · API · login_code", "zh-hans", LATIN_ALLOWED
    )
    assert other_language("Filter: 过滤器", "en", LATIN_ALLOWED)
    assert other_language("Done。", "en", LATIN_ALLOWED)
    assert not other_language("Waiting · ¥30.00 – 2026-12-23", "en", LATIN_ALLOWED)
