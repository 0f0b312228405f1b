"""On a phone (375 × 812), in a real browser (issue 24 item 22):

* the header is one row and the navigation folds behind a menu button — on the site, the portal
  and the console; the section's menu folds into the same button, except "Talk to a person",
  which stays one tap away; the button says whether the menu is open (aria-expanded), works from
  the keyboard and Escape closes it. On a desktop nothing folds;
* the chat shows its newest message: on opening the page, after sending, and when a message
  arrives by polling while the customer follows the conversation.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from fairdesk.contact.models import Contact
from fairdesk.contact.services.conversations import contact_say
from fairdesk.customers.models import Customer
from fairdesk.portal.tests.fixtures import make_world

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = "13700137000"
PHONE_SCREEN = {"width": 375, "height": 812}
#: The height of one row of the header: a 2.5rem touch target, its padding and the border.
ROW = 72

HEIGHTS = """() => {
  const box = (selector) => {
    const el = document.querySelector(selector);
    if (!el) return 0;
    const r = el.getBoundingClientRect();
    return r.height;
  };
  return {header: box("header.site"), sub: box("nav.sub")};
}"""

IN_VIEW = """(selector) => {
  const all = document.querySelectorAll(selector);
  const el = all[all.length - 1];
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight;
}"""


def phone_page(new_page: Any, **kwargs: Any) -> Any:
    page = new_page(**kwargs)
    page.set_viewport_size(PHONE_SCREEN)
    return page


def check_folded(page: Any, *, rows: int, kept: str | None = None) -> None:
    """One row of header (plus the kept row of the section's menu); the menu button opens and
    closes everything, with the mouse and the keyboard."""
    toggle = page.locator("[data-menu-toggle]")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    heights = page.evaluate(HEIGHTS)
    assert heights["header"] <= ROW, heights
    assert heights["header"] + heights["sub"] <= rows * ROW, heights
    assert not page.locator("#site-nav").is_visible()
    if kept:
        assert page.locator(kept).is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#site-nav a").first.is_visible()
    for name in (toggle.get_attribute("aria-controls") or "").split():
        assert page.locator(f"#{name}").is_visible(), name
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.hasAttribute('data-menu-toggle')")
    assert not page.locator("#site-nav").is_visible()
    page.keyboard.press("Enter")  # the focused button, from the keyboard
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false"


def test_the_header_is_one_row_on_a_phone(
    new_page: Any, sign_in_customer: Any, sign_in_staff: Any
) -> None:
    make_world()
    visitor = phone_page(new_page)
    visitor.goto("/")
    check_folded(visitor, rows=1)
    visitor.goto("/coverage/")
    check_folded(visitor, rows=1)

    customer = phone_page(new_page)
    sign_in_customer(customer, PHONE)
    check_folded(customer, rows=2, kept="nav.sub [data-talk-to-a-person] button")
    customer.goto("/portal/book/")
    check_folded(customer, rows=2, kept="nav.sub [data-talk-to-a-person] button")

    agent = phone_page(new_page)
    sign_in_staff(agent, "agent")
    check_folded(agent, rows=1)
    agent.goto("/console/requests/")
    check_folded(agent, rows=1)


def test_nothing_folds_on_a_desktop(new_page: Any) -> None:
    page = new_page(phone=False)
    page.goto("/")
    assert not page.locator("[data-menu-toggle]").is_visible()
    assert page.locator("#site-nav a").first.is_visible()
    assert page.evaluate(HEIGHTS)["header"] <= ROW


def test_the_chat_shows_the_newest_message(new_page: Any, sign_in_customer: Any) -> None:
    make_world()
    page = phone_page(new_page)
    sign_in_customer(page, PHONE, "/portal/contact/")
    page.check("input[name=contact_type][value=consultation]")
    page.fill("form[data-form=contact] textarea[name=text]", "空调怎么清洗滤网？")
    page.click("button[data-action=start-chat]")
    page.wait_for_selector("[data-chat]")
    # a long conversation: more than a screen
    for n in range(4):
        page.fill("form[data-form=say] textarea[name=text]", f"还有一个问题 {n}")
        page.click("button[data-action=send]")
        page.wait_for_selector(f"li[data-sender=customer]:has-text('还有一个问题 {n}')")
        expect(page.locator("[data-message]").last).to_be_in_viewport(ratio=1)
    assert page.evaluate("document.documentElement.scrollHeight") > 2 * PHONE_SCREEN["height"]

    # opening the page again: the newest message is in view, not the top of the page
    page.goto(page.url.split("#")[0])
    page.wait_for_selector("[data-chat]")
    expect(page.locator("[data-message]").last).to_be_in_viewport(ratio=1)
    assert page.evaluate("window.scrollY") > 0

    # a message that arrives by polling comes into view while the customer follows along
    contact = Contact.objects.get(customer=Customer.objects.get(phone=PHONE))
    newest = contact_say(contact=contact, text="从别的设备发来的消息", customer=contact.customer)
    page.wait_for_selector(f"[data-message='{newest.pk}']", timeout=10_000)
    expect(page.locator("[data-message]").last).to_be_in_viewport(ratio=1)
    assert page.evaluate(IN_VIEW, "[data-message]")
