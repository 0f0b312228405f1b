"""What the assistant reads in a customer's words — pure functions, no ORM, published as is.

* **Intents** (``intent_in``): a plan change (cancel, downgrade, unsubscribe, stop renewing a
  plan), a refund, a complaint. Each is a contact type of the green channel; the services
  (``services.messages.apply_intent``) move a conversation to it, and the published queue rule
  (``ordering``) reads nothing but that type. A word denied just before (不, 不想, 不要, 不用,
  无需, 不是, 别, "don't want to", "not") is not an intent: 不想取消套餐 asks for nothing.
* **Automatic answers** (``best_answer``): an answer's keywords are comma-separated; a plain
  keyword matches anywhere in the words (any case); a **fault code** (a letter and one or two
  digits: E1, F0, H6) matches only that code as a token — 显示E1, e1, E-1, not E10 or AE1;
  words joined by ``+`` must all appear (上门+多少钱: a price question about a visit). The most
  specific answer wins: a keyword with a fault code before one without, then the longest (its
  characters, ``+`` not counted), then the first answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fairdesk.contact.choices import ContactType

#: Objects of a plan change: 取消服务计划, 退订套餐, 关闭自动续费 …
_PLAN = r"(服务计划|服务套餐|套餐|计划|会员|订阅|自动续费|续费|包月|包年|延保|云存储)"
_VERB = r"(取消|退订|停止|关闭|终止|解除|退掉|退了)"
_GAP = r"[^，。,.!?！？；;\n]{0,6}"

#: The intents, in the order they are looked for (a complaint about a refund is a complaint).
INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        ContactType.COMPLAINT,
        re.compile(
            r"投诉|举报|12315|消协|消费者协会|维权|\bcomplain(t|ts|ing|ed)?\b", re.IGNORECASE
        ),
    ),
    (
        ContactType.DOWNGRADE_CANCEL,
        re.compile(
            rf"{_VERB}{_GAP}{_PLAN}|{_PLAN}{_GAP}(取消|退订|降级|降档|解约)|退订|降级|降档|解约"
            r"|不再续费|不续费|不想续费"
            r"|\b(cancel(l?ing|led)?|terminat(e|ing)|stop(ping)?)\b[^.!?\n]{0,24}"
            r"\b(plan|subscription|membership|renewal|auto-?renew(al)?)s?\b"
            r"|\b(downgrad(e|ing)|unsubscrib(e|ing))\b",
            re.IGNORECASE,
        ),
    ),
    (
        ContactType.REFUND,
        re.compile(
            r"退款|退钱|退费|把钱退|(退回|返还|退还)[^，。,.!?！？]{0,3}(钱|费|款)"
            r"|(钱|费|款)[^，。,.!?！？]{0,6}(退回|返还|退还|退给)"
            r"|\brefund(s|ed|ing)?\b|\bmoney back\b|\breimburs(e|ement)\b",
            re.IGNORECASE,
        ),
    ),
)

#: Said just before an intent's words, these deny it: 不取消, 不想取消套餐, 我不是要投诉, 不用退款,
#: "don't want to cancel". Not 没: 没收到退款 and 没取消成功 are the very problem.
NEGATIONS_ZH = ("不想", "不要", "不用", "不需要", "无需", "不是", "别")
_NEGATION_EN = re.compile(
    r"(\b(don'?t|do not|doesn'?t|won'?t|never)\s+((want|need)\s+)?|\bno need\s+|\bnot\s+)"
    r"(to\s+)?(an?\s+|my\s+|the\s+)?$",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[，。,.!?！？；;\n]")


def _denied(text: str, start: int) -> bool:
    """Whether the words at ``start`` are denied just before, in the same clause."""
    before = _CLAUSE_END.split(text[max(0, start - 24) : start])[-1]
    if before.endswith("不") or any(word in before[-4:] for word in NEGATIONS_ZH):
        return True
    return bool(_NEGATION_EN.search(before))


def intent_in(text: str | None) -> str | None:
    """The green-channel contact type the words ask about (complaint, downgrade or cancel,
    refund), or None."""
    text = text or ""
    for contact_type, pattern in INTENTS:
        if any(not _denied(text, m.start()) for m in pattern.finditer(text)):
            return str(contact_type)
    return None


# --------------------------------------------------------------------------------------------
# Automatic answers
# --------------------------------------------------------------------------------------------

_CODE_KEYWORD = re.compile(r"^[a-z]\d{1,2}$")
_CODE_IN_TEXT = re.compile(r"(?<![a-z0-9])([a-z])-?(\d{1,2})(?![0-9])")


def fault_codes(text: str) -> frozenset[str]:
    """The fault codes in the words, lowercased: "空调显示E1，还有 f-0" → {"e1", "f0"}."""
    return frozenset(a + b for a, b in _CODE_IN_TEXT.findall(text.lower()))


@dataclass(frozen=True)
class Keyword:
    parts: tuple[str, ...]  # lowercased; all must match
    codes: int  # how many parts are fault codes
    length: int  # characters of the parts


def parse_keywords(keywords: str) -> list[Keyword]:
    """An answer's keywords: "保修, E1, 上门+多少钱" → three ``Keyword``s."""
    out = []
    for raw in keywords.split(","):
        parts = tuple(p.strip().lower() for p in raw.split("+") if p.strip())
        if parts:
            codes = sum(1 for p in parts if _CODE_KEYWORD.match(p))
            out.append(Keyword(parts, codes, sum(len(p) for p in parts)))
    return out


def _matches(keyword: Keyword, lowered: str, codes: frozenset[str]) -> bool:
    return all(
        (part in codes) if _CODE_KEYWORD.match(part) else (part in lowered)
        for part in keyword.parts
    )


def best_answer(text: str, entries: Iterable[tuple[str, str]]) -> str | None:
    """Of ``entries`` (keywords, answer), in order, the answer whose matching keyword is the
    most specific (a fault code first, then the longest; the first answer on a tie), or None."""
    lowered = text.lower()
    codes = fault_codes(text)
    best: tuple[int, int] | None = None
    found = None
    for keywords, answer in entries:
        for keyword in parse_keywords(keywords):
            if not _matches(keyword, lowered, codes):
                continue
            score = (keyword.codes, keyword.length)
            if best is None or score > best:
                best, found = score, answer
    return found
