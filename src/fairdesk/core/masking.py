"""Personal data as a reader who may not see it sees it: names, numbers, serials, e-mail
addresses, street addresses — written as stored or typed in free text. Pure string functions,
the one place each mask is written; who sees masked data is each app's selectors' decision
(``customers.selectors.personal_data_for``, ``core.roles.masks_personal_data``).

* a mobile number: ``138****0002`` (``phones.mask_phone``); a name: its first character and
  ``**`` (``张**``); a serial: its first two and last two characters (``FD****01``); an e-mail
  address: its first character and its domain (``z***@example.com``);
* a stored address: its division down to the county (``广东省深圳市南山区``), never the township,
  the street or the number (``mask_address``);
* free text (``redact``): phone numbers however written, identity card numbers, e-mail addresses,
  the given names, and street addresses — what follows the last province, city or county name
  before a street and number, a building, unit or room, or a residential compound
  (``mask_street_addresses``; a conservative pattern: it masks more rather than less).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fairdesk.core.phones import mask_phone

#: What a masked street address, or a part of free text, is replaced with.
HIDDEN = "＊＊＊"


def mask_name(name: str) -> str:
    """'张三丰' → '张**' (the length is not told)."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


def mask_serial(serial: str) -> str:
    """'FD2024AC35000001' → 'FD****01'; four characters or fewer: '****'."""
    serial = (serial or "").strip()
    if not serial:
        return ""
    if len(serial) <= 4:
        return "****"
    return f"{serial[:2]}****{serial[-2:]}"


def mask_device_label(label: str) -> str:
    """'FD-KFR-35GW FD2024AC35000001' (a model and a serial) → 'FD-KFR-35GW FD****01'."""
    model, _sep, serial = (label or "").rpartition(" ")
    return f"{model} {mask_serial(serial)}" if model else mask_serial(serial)


def mask_email(email: str) -> str:
    """'zhangsan@example.com' → 'z***@example.com'."""
    local, at, domain = (email or "").strip().partition("@")
    if not at:
        return "***" if local else ""
    return f"{local[:1]}***@{domain}"


def division_text(division_code: str, division_name: str, sep: str = "") -> str:
    """A resolved division down to the county: '广东省/深圳市/南山区/粤海街道' (a township's
    9-digit code) → '广东省深圳市南山区' (``sep`` between the names)."""
    parts = [p for p in (division_name or "").split("/") if p]
    if len(division_code or "") == 9 and len(parts) > 1:
        parts = parts[:-1]
    return sep.join(parts)


def division_code_text(division_code: str) -> str:
    """A division code down to the county (a township's 9 digits → its county's 6)."""
    return (division_code or "")[:6]


def mask_address(text: str, division_code: str = "", division_name: str = "") -> str:
    """A stored address cut to its division down to the county; an address that did not
    resolve: its street detail masked, or all of it when no street detail is recognised."""
    if division_name:
        return division_text(division_code, division_name)
    masked = mask_street_addresses(text)
    return masked if masked != text else (HIDDEN if text else "")


# --------------------------------------------------------------------------------------------
# Street addresses in free text
# --------------------------------------------------------------------------------------------

_CJK = "\u4e00-\u9fff"
_NUM = r"[0-9０-９A-Za-zＡ-Ｚａ-ｚ一二三四五六七八九十百千零〇两]+"
#: A street's name ends with one of these, and a house number follows it.
_STREET = r"(?:大街|大道|胡同|路|街|巷|弄)"
#: Units of a house number, a building, a floor, a room.
_UNIT = r"(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|户|弄|巷|组|排|期|区)"
#: Residential compounds and buildings: anchors on their own.
_COMPOUND = r"(?:小区|花园|公寓|大厦|家园|新村|花苑|公馆|大楼|山庄|庄园|写字楼)"
#: ...and these also end a part of an address, when they follow one (万达广场, 创意产业园).
_PLACE = rf"(?:{_COMPOUND}|广场|中心|产业园|科技园|工业园|园|城|苑|府|村)"
_ANCHOR = re.compile(
    # a street, a township or a village with its number: 科技园路1号, 人民路一号, 张江路88弄,
    # 大沙田街道1号, 古州镇3号
    rf"(?:{_STREET}|街道|镇|乡|村)(?=\s*[0-9０-９一二三四五六七八九十百千]+\s*(?:号|弄|巷))"
    # a compound: 阳光小区, 中石化大厦
    rf"|(?<=[{_CJK}]){_COMPOUND}"
    # a building, unit or room however written: 3栋, 2单元, 501室, 5号楼, 12号院, A座, 村3组
    rf"|{_NUM}(?:号院|号楼|栋|幢|单元|室)"
    r"|[0-9０-９A-Za-z]+座"
    rf"|(?<=[村社队])[0-9０-９一二三四五六七八九十]+组"
)
#: What may follow an anchor and belongs to the address: numbers with their units, named
#: places, joined by dashes ('3-2-501') or #.
_TAIL = re.compile(rf"(?:[\-－—#]*(?:{_NUM}{_UNIT}?|[{_CJK}]{{0,8}}?{_PLACE}))*")
#: English street addresses: 12 Keji Road, Room 501.
_ENGLISH = re.compile(
    r"\b(?:(?:Room|Rm\.?|Flat|Unit)\s*[\w-]+,?\s*)?\d+[A-Za-z]?\s+(?:[A-Z][\w'-]*\s+){1,4}"
    r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr)\b\.?"
)
#: A division name at or above the county ends with one of these (地区, 新区: two characters).
_DIVISION_END = frozenset("省市县旗盟州区")
#: ...but not these, which end in 区 or 市 and are places inside a county.
_NOT_DIVISIONS = frozenset(
    {"小区", "社区", "园区", "校区", "景区", "街区", "片区", "厂区", "营区", "矿区", "超市", "夜市"}
)
#: Words after which a place usually begins ("住在…", "地址：…"): a street name starts there
#: when no division name comes before it.
_LEADS = frozenset("在住于到至是址往去从：:")
_MAX_NAME = 24
_NAME_CHAR = re.compile(rf"[{_CJK}0-9０-９A-Za-z]")


def _division_ends_at(text: str, i: int) -> bool:
    """Does a division name at or above the county end just before ``text[i]``?"""
    if i < 2 or text[i - 1] not in _DIVISION_END:
        return False
    return text[i - 2 : i] not in _NOT_DIVISIONS


def _name_start(text: str, end: int, floor: int) -> int:
    """Where the name before ``end`` starts (a street's, a compound's, a township's): back over
    Chinese characters, digits and letters (人民南路四段1号万达广场) to the end of a division name
    (after at least one character: 古州镇 is no 州), a word a place begins after, or at most
    ``_MAX_NAME`` characters; never before ``floor``."""
    i = end
    while i > floor and end - i < _MAX_NAME and _NAME_CHAR.match(text[i - 1]):
        if text[i - 1] in _LEADS or (i < end and _division_ends_at(text, i)):
            break
        i -= 1
    return i


def mask_street_addresses(text: str) -> str:
    """Free text with every street address cut after its division: '我家在广东省深圳市南山区
    粤海街道科技园路1号3栋501室，没人来' → '我家在广东省深圳市南山区＊＊＊，没人来'."""
    if not text:
        return ""
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        match = _ANCHOR.search(text, pos)
        if match is None:
            break
        floor = spans[-1][1] if spans else 0
        start = _name_start(text, match.start(), floor)
        tail = _TAIL.match(text, match.end())
        end = tail.end() if tail else match.end()
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
        pos = max(end, match.end())
    out = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(HIDDEN)
        last = end
    out.append(text[last:])
    return _ENGLISH.sub(HIDDEN, "".join(out))


# --------------------------------------------------------------------------------------------
# Free text
# --------------------------------------------------------------------------------------------

_DIGIT = r"[\s\-]?\d"
#: Mainland mobiles (optionally +86 / 0086 / 86, with spaces or hyphens between digits).
_MOBILE_RE = re.compile(r"(?<![\dA-Za-z])(?:(?:\+|00)?86[\s\-]?)?1[3-9]\d" + _DIGIT * 8 + r"(?!\d)")
#: Landlines and service numbers with their area code: 010-12345678, (0771)5550001, 0771 555 0001,
#: +86 10 12345678, 400-820-1234.
_LANDLINE_RE = re.compile(
    r"(?<![\dA-Za-z])(?:"
    r"(?:(?:\+|00)86[\s\-]?[(（]?[1-9]\d{1,2}[)）]?|[(（]?0[1-9]\d{1,2}[)）]?)"
    r"[\s\-]?\d{3,4}[\s\-]?\d{4}"
    r"|[48]00[\s\-]?\d{3}[\s\-]?\d{4}"
    r")(?!\d)"
)
#: Resident identity card numbers (18 characters).
_ID_CARD_RE = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
#: Full-width digits and signs, as typed on Chinese keyboards, read as ASCII.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")


def _mask_match(match: re.Match[str]) -> str:
    return mask_phone(re.sub(r"\D", "", match.group(0)))


def redact(text: str, *, names: Iterable[str] = ()) -> str:
    """Free text with phone numbers masked (mobiles and landlines, however written), identity
    card numbers and e-mail addresses hidden, the given names replaced and street addresses cut
    after their division."""
    if not text:
        return ""
    out = text.translate(_FULL_WIDTH)
    out = _ID_CARD_RE.sub(lambda m: "*" * 14 + m.group(0)[-4:], out)
    out = _MOBILE_RE.sub(_mask_match, out)
    out = _LANDLINE_RE.sub(_mask_match, out)
    out = _EMAIL_RE.sub("***@***", out)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len)[::-1]:
        out = out.replace(name, "＊" * len(name))
    return mask_street_addresses(out)


# --------------------------------------------------------------------------------------------
# One reader's view
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Personal data as one reader sees it: as stored, or masked (``masked``)."""

    masked: bool = False

    def name(self, name: str) -> str:
        return mask_name(name) if self.masked else name

    def phone(self, phone: str) -> str:
        return mask_phone(phone) if self.masked else phone

    def email(self, email: str) -> str:
        return mask_email(email) if self.masked else email

    def serial(self, serial: str) -> str:
        return mask_serial(serial) if self.masked else serial

    def device_label(self, label: str) -> str:
        """A device as a request keeps it, its model and serial ('FD-KFR-35GW FD2024AC01')."""
        return mask_device_label(label) if self.masked else label

    def address(self, text: str, division_code: str = "", division_name: str = "") -> str:
        return mask_address(text, division_code, division_name) if self.masked else text

    def division_code(self, code: str) -> str:
        return division_code_text(code) if self.masked else code

    def division_name(self, division_code: str, division_name: str) -> str:
        if not self.masked:
            return division_name
        return division_text(division_code, division_name, "/")

    def text(self, text: str, *, names: Iterable[str] = ()) -> str:
        """Free text (a description, a reason): redacted (``redact``) when masked."""
        return redact(text, names=names) if self.masked else text


AS_STORED = PersonalData(masked=False)
MASKED = PersonalData(masked=True)
