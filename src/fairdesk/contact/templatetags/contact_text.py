"""How a conversation's message is shown: ``{{ message|message_html }}`` (portal and console).

The text is always escaped, its line breaks kept. In what the brand writes — the assistant's
answers, the agents' messages, the system's notes — web addresses (``http``/``https`` only)
and the site's own paths (``/portal/plans/``) become links; nothing else does (no other
scheme, no ``//host`` path, no markup of any kind). What a customer writes is never linked:
it is shown exactly as typed.
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from fairdesk.contact.choices import Sender

register = template.Library()

#: A web address, or a path of this site: "/" then a letter or digit, at the start, after a
#: space, an opening bracket or quote, a colon or comma, or a Chinese character (打开/portal/);
#: not "//", and not inside a word, a number, markup or another address (24/7, a/b, </b>,
#: http://x/y are not paths).
LINK = re.compile(
    r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
    r"|(?:^|(?<=[\s(（:：,，;；\"“'‘「【\u4e00-\u9fff]))/(?!/)[A-Za-z0-9][A-Za-z0-9\-._~/?#=&%+]*"
)
#: Punctuation that ends a sentence, not the address: "see /portal/book/."
TRAILING = ".,;:!?)'\""


def linked(text: str) -> SafeString:
    """``text`` escaped, with its line breaks, and its web addresses and site paths as links."""
    pieces: list[Any] = []
    position = 0
    for match in LINK.finditer(text):
        address = match.group(0).rstrip(TRAILING)
        if len(address) < 2:
            continue
        pieces.append(linebreaksbr(text[position : match.start()], autoescape=True))
        pieces.append(format_html('<a href="{}" rel="nofollow noopener">{}</a>', address, address))
        position = match.start() + len(address)
    pieces.append(linebreaksbr(text[position:], autoescape=True))
    return format_html_join("", "{}", ((piece,) for piece in pieces))


@register.filter
def message_html(message: Any) -> SafeString:
    """A conversation's message as HTML: the brand's words with their links, a customer's as
    typed (both escaped)."""
    text = str(message.text)
    if message.sender == Sender.CUSTOMER:
        return linebreaksbr(text, autoescape=True)
    return linked(text)
