"""Writes of the service network: outlets and their coverage.

Coverage is declared the way brands publish it, as free text ("黔东南榕江县、广西南宁市良庆区、
南宁市全境 …"). ``coverage_import_preview`` reads such a list and says what would become of every
entry; ``coverage_import_apply`` does it, in one transaction, and records the import and every
entry's outcome. Nothing is guessed silently and nothing is dropped: an entry is *added*, *already
covered*, *needs a choice* (ambiguous: the caller picks one of the candidates), *unresolved* (with
the resolver's suggestions) or *ignored* (list numbering, a line heading, punctuation).

Choices are keyed by the entry's ``index``: its 1-based position in the parsed list, as shown by the
preview (``parse_coverage_text`` is deterministic, so the same text gives the same indexes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fairdesk.areas.gazetteer import get_gazetteer
from fairdesk.areas.resolver import Resolution, resolve
from fairdesk.core.errors import DomainError
from fairdesk.core.sentences import enumeration
from fairdesk.network.choices import (
    LEVEL_NAME,
    ImportMode,
    LineOutcome,
    MemberRole,
    OutletStatus,
    ProductLine,
)
from fairdesk.network.models import (
    Coverage,
    CoverageImport,
    CoverageImportLine,
    Outlet,
    OutletMember,
)

# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

#: Entry separators: 、，,;；/ (and full-width ／), tabs (spreadsheet paste), full-width spaces, and
#: line breaks (which also advance the line number).
SEPARATORS = "、，,;；/／\t\u3000"
_SPLIT_RE = re.compile(f"[{re.escape(SEPARATORS)}]+")
_HEADING_RE = re.compile(r"^(?P<head>[^:：]{1,40})[:：](?P<rest>.*)$")
_NUMBERING_RE = re.compile(r"^(?:[(（]\s*\d{1,3}\s*[)）]|\d{1,3}\s*[.．)）])\s*")
_TRAILING_ETC_RE = re.compile(r"(?:等(?:县区|地区|区域|地)?|以及)$")
_CODE_RE = re.compile(r"^\d{6}(?:\d{3})?$")
_WORD_RE = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
_BLANKS = " \u00a0\u2002\u2003\u2009\u200b\ufeff"


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a coverage list, as written, with where it was written."""

    index: int  # 1-based position in the list
    line_number: int  # 1-based line of the text
    text: str  # as written (blanks stripped)
    query: str  # what is given to the resolver (list numbering and a trailing 等 removed)
    heading: str = ""  # the line's heading ("广西：南宁市、柳州市"), if any
    is_heading: bool = False  # the entry *is* a line heading


def _clean(part: str) -> str:
    return part.strip(_BLANKS + "\r\n")


def parse_coverage_text(text: str) -> list[Entry]:
    """Split a pasted list into entries, keeping their order and line numbers.

    A line may start with a heading followed by a colon ("广西：南宁市良庆区、兴宁区"): the heading
    is kept as an entry of its own (outcome *ignored*) and helps to read the entries of its line.
    """
    entries: list[Entry] = []
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for line_number, line in enumerate(lines, start=1):
        heading = ""
        body = line
        match = _HEADING_RE.match(_clean(line))
        if match and _clean(match["head"]):
            heading = _clean(match["head"])
            body = match["rest"]
            entries.append(Entry(len(entries) + 1, line_number, heading, heading, "", True))
        for part in _SPLIT_RE.split(body):
            raw = _clean(part)
            if not raw:
                continue
            query = _NUMBERING_RE.sub("", raw)
            stripped = _TRAILING_ETC_RE.sub("", query)
            query = _clean(stripped or query)
            entries.append(Entry(len(entries) + 1, line_number, raw, query, heading))
    return entries


# --------------------------------------------------------------------------------------------
# Analysis (shared by preview and apply)
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class EntryResult:
    """What became (or would become) of one entry."""

    entry: Entry
    outcome: str
    status: str = ""  # the resolver's status; "" when the entry was not given to it
    code: str | None = None  # the resolver's code
    name: str | None = None
    candidates: list[dict[str, str]] = field(default_factory=list)
    chosen_code: str | None = None
    division_code: str | None = None  # the division added or found covered
    division_level: int | None = None
    division_name: str | None = None
    covered_by: dict[str, Any] | None = None  # {"code", "name", "entry"} for already_covered
    notes: list[str] = field(default_factory=list)

    @property
    def index(self) -> int:
        return self.entry.index

    @property
    def note(self) -> str:
        return (
            "；".join(n for n in self.notes if n)
            if get_language() == "zh-hans"
            else ("; ".join(n for n in self.notes if n))
        )

    @property
    def needs_attention(self) -> bool:
        return self.outcome in (LineOutcome.NEEDS_CHOICE, LineOutcome.UNRESOLVED)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.entry.index,
            "line": self.entry.line_number,
            "text": self.entry.text,
            "outcome": self.outcome,
            "status": self.status,
            "code": self.code,
            "name": self.name,
            "candidates": self.candidates,
            "chosen_code": self.chosen_code,
            "division": (
                {
                    "code": self.division_code,
                    "level": LEVEL_NAME[self.division_level or 1],
                    "name": self.division_name,
                }
                if self.division_code
                else None
            ),
            "covered_by": self.covered_by,
            "note": self.note,
        }


@dataclass(slots=True)
class ImportReport:
    """The outcome of a coverage list for one outlet; ``record`` is set once applied."""

    outlet: Outlet
    mode: str
    entries: list[EntryResult]
    removed: list[dict[str, Any]]
    record: CoverageImport | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for e in self.entries if e.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        out = {o.value: self.count(o.value) for o in LineOutcome}
        out["removed"] = len(self.removed)
        out["entries"] = len(self.entries)
        return out

    @property
    def needs_attention(self) -> bool:
        return any(e.needs_attention for e in self.entries)

    @property
    def changes_anything(self) -> bool:
        return bool(self.count(LineOutcome.ADDED) or self.removed)


def _note_of(resolution: Resolution) -> str:
    lang = get_language() or "zh-hans"
    note = resolution.note_en if lang.startswith("en") else resolution.note
    return note or ""


def _is_noise(query: str) -> bool:
    """List numbering, dashes, dots: nothing that names a place."""
    if not _WORD_RE.search(query):
        return True
    return query.isdigit() and not _CODE_RE.match(query)


def _resolve_entry(entry: Entry, heading_code: str | None) -> Resolution:
    """Resolve an entry, reading it with its line heading when that gives an answer inside it."""
    g = get_gazetteer()
    if _CODE_RE.match(entry.query) and entry.query in g.divisions:
        div = g.divisions[entry.query]
        return Resolution(
            entry.query, "resolved", div.code, LEVEL_NAME[div.level], g.full_name(div.code)
        )
    if heading_code:
        with_heading = resolve(entry.heading + entry.query)
        if with_heading.ok and g.contains(heading_code, with_heading.code or ""):
            return with_heading
    return resolve(entry.query)


def _invalid_choice(entry: Entry, code: str, allowed: Iterable[str]) -> DomainError:
    return DomainError(
        _("Entry %(index)s (“%(text)s”): %(code)s is not one of its candidates.")
        % {"index": entry.index, "text": entry.text, "code": code},
        code="invalid_choice",
        status=422,
        details={
            "index": entry.index,
            "text": entry.text,
            "code": code,
            "candidates": sorted(allowed),
        },
    )


def _analyse(
    *, outlet: Outlet, text: str, choices: Mapping[int, str] | None, replace: bool
) -> ImportReport:
    g = get_gazetteer()
    entries = parse_coverage_text(text)
    if not any(not e.is_heading and not _is_noise(e.query) for e in entries):
        raise DomainError(
            _(
                "The coverage list is empty: enter at least one area, one per line or separated "
                "by 、 or ，."
            ),
            code="empty_list",
            status=422,
        )
    choices = {int(k): str(v).strip() for k, v in (choices or {}).items() if str(v).strip()}
    by_index = {e.index: e for e in entries}
    unknown = sorted(set(choices) - set(by_index))
    if unknown:
        raise DomainError(
            _("There is no entry number %(indexes)s in this list.")
            % {"indexes": ", ".join(str(i) for i in unknown)},
            code="invalid_choice",
            status=422,
            details={"indexes": unknown},
        )

    # 1. Read every entry.
    heading_codes: dict[str, str | None] = {}
    results: list[EntryResult] = []
    for entry in entries:
        if entry.is_heading:
            res = resolve(entry.query)
            heading_codes[entry.text] = res.code if res.ok else None
            result = EntryResult(entry, LineOutcome.IGNORED)
            result.notes.append(_("Line heading: read with the entries of its line."))
            if entry.index in choices:
                raise _invalid_choice(entry, choices[entry.index], [])
            results.append(result)
            continue
        if _is_noise(entry.query):
            if entry.index in choices:
                raise _invalid_choice(entry, choices[entry.index], [])
            results.append(
                EntryResult(
                    entry,
                    LineOutcome.IGNORED,
                    notes=[_("Not a place name (numbering or punctuation).")],
                )
            )
            continue
        res = _resolve_entry(entry, heading_codes.get(entry.heading))
        result = EntryResult(
            entry,
            LineOutcome.UNRESOLVED,
            status=res.status,
            code=res.code,
            name=res.name,
            candidates=[c.as_dict() for c in res.candidates],
            notes=[_note_of(res)],
        )
        allowed = [c["code"] for c in result.candidates]
        if res.ok and res.code:
            allowed.append(res.code)
        chosen = choices.get(entry.index)
        target: str | None = None
        if chosen is not None:
            if chosen not in allowed or chosen not in g.divisions:
                raise _invalid_choice(entry, chosen, allowed)
            if chosen != res.code:
                result.chosen_code = chosen
            target = chosen
        elif res.ok and res.code:
            target = res.code
        if target is not None and target not in g.divisions:
            result.notes.append(_("%(code)s is not a division in use today.") % {"code": target})
            target = None
        if target is None:
            if res.status in ("ambiguous", "retired") and result.candidates:
                result.outcome = LineOutcome.NEEDS_CHOICE
            else:
                result.outcome = LineOutcome.UNRESOLVED
        else:
            div = g.divisions[target]
            result.division_code = target
            result.division_level = div.level
            result.division_name = g.full_name(target)
            if res.filler:
                result.notes.append(
                    _("“%(filler)s”: the whole of %(name)s.")
                    % {"filler": res.filler, "name": div.name}
                )
            result.outcome = LineOutcome.ADDED  # provisional, settled below
        results.append(result)

    # 2. Settle what each resolved entry does, against the coverage that will remain.
    existing = {
        row["division_code"]: row
        for row in outlet.coverages.values("division_code", "division_level", "division_name")
    }
    targets = {r.division_code for r in results if r.division_code}
    universe = targets | (set() if replace else set(existing))
    first_entry_of: dict[str, int] = {}
    for r in results:
        if r.division_code:
            first_entry_of.setdefault(r.division_code, r.index)
    claimed: set[str] = set()
    for r in results:
        code = r.division_code
        if not code:
            continue
        broader = [d.code for d in g.path(code)[:-1] if d.code in universe]
        if code in existing:
            r.outcome = LineOutcome.ALREADY_COVERED
            r.covered_by = {"code": code, "name": existing[code]["division_name"], "entry": None}
            r.notes.append(_("Already in this outlet's coverage."))
        elif broader:
            anc = broader[-1]  # the nearest broader division
            from_list = anc not in existing
            r.outcome = LineOutcome.ALREADY_COVERED
            r.covered_by = {
                "code": anc,
                "name": g.full_name(anc),
                "entry": first_entry_of.get(anc) if from_list else None,
            }
            if from_list:
                r.notes.append(
                    _("Covered by entry %(entry)s (%(name)s) of this list.")
                    % {"entry": first_entry_of.get(anc), "name": g.full_name(anc)}
                )
            else:
                r.notes.append(
                    _("Covered by this outlet's coverage of %(name)s.") % {"name": g.full_name(anc)}
                )
        elif code in claimed:
            r.outcome = LineOutcome.ALREADY_COVERED
            r.covered_by = {"code": code, "name": g.full_name(code), "entry": first_entry_of[code]}
            r.notes.append(
                _("Listed twice: see entry %(entry)s.") % {"entry": first_entry_of[code]}
            )
        else:
            r.outcome = LineOutcome.ADDED
            claimed.add(code)

    removed: list[dict[str, Any]] = []
    if replace:
        for code in sorted(set(existing) - targets):
            row = existing[code]
            removed.append(
                {
                    "code": code,
                    "level": LEVEL_NAME[row["division_level"]],
                    "name": row["division_name"],
                }
            )
    mode = ImportMode.REPLACE if replace else ImportMode.ADD
    return ImportReport(outlet=outlet, mode=mode, entries=results, removed=removed)


def coverage_import_preview(
    *, outlet: Outlet, text: str, choices: Mapping[int, str] | None = None, replace: bool = False
) -> ImportReport:
    """What importing ``text`` would do to the outlet's coverage. Writes nothing."""
    return _analyse(outlet=outlet, text=text, choices=choices, replace=replace)


def coverage_import_apply(
    *,
    outlet: Outlet,
    text: str,
    actor: Any = None,
    actor_name: str = "",
    choices: Mapping[int, str] | None = None,
    replace: bool = False,
) -> ImportReport:
    """Import a coverage list: add what resolves, record every entry's outcome.

    ``replace=True`` also removes the outlet's coverage rows that the list does not name.
    Entries that need a choice and have none, and unresolved entries, are recorded and not added.
    A choice that is not among an entry's candidates raises ``DomainError`` and changes nothing.
    """
    with transaction.atomic():
        locked = Outlet.objects.select_for_update().get(pk=outlet.pk)
        report = _analyse(outlet=locked, text=text, choices=choices, replace=replace)
        user = actor if getattr(actor, "pk", None) else None
        counts = report.counts
        record = CoverageImport.objects.create(
            outlet=locked,
            raw_text=text,
            actor=user,
            actor_name=actor_name or (user.get_username() if user else ""),
            mode=report.mode,
            entries_count=counts["entries"],
            added_count=counts[LineOutcome.ADDED],
            already_covered_count=counts[LineOutcome.ALREADY_COVERED],
            needs_choice_count=counts[LineOutcome.NEEDS_CHOICE],
            unresolved_count=counts[LineOutcome.UNRESOLVED],
            ignored_count=counts[LineOutcome.IGNORED],
            removed_count=counts["removed"],
            removed=report.removed,
        )
        CoverageImportLine.objects.bulk_create(
            CoverageImportLine(
                coverage_import=record,
                index=r.index,
                line_number=r.entry.line_number,
                text=r.entry.text[:500],
                status=r.status,
                code=r.code or "",
                name=(r.name or "")[:300],
                candidates=r.candidates,
                note=r.note,
                chosen_code=r.chosen_code or "",
                division_code=r.division_code or "",
                outcome=r.outcome,
            )
            for r in report.entries
        )
        if report.removed:
            Coverage.objects.filter(
                outlet=locked, division_code__in=[row["code"] for row in report.removed]
            ).delete()
        Coverage.objects.bulk_create(
            Coverage(
                outlet=locked,
                division_code=r.division_code,
                division_level=r.division_level,
                division_name=(r.division_name or "")[:300],
                source_line=r.entry.text[:500],
                source_import=record,
            )
            for r in report.entries
            if r.outcome == LineOutcome.ADDED and r.division_code and r.division_level
        )
        report.outlet = locked
        report.record = record
    return report


# --------------------------------------------------------------------------------------------
# Outlets
# --------------------------------------------------------------------------------------------

_OUTLET_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,28}[0-9](?:\s*(?:转|ext\.?|x)\s*\d{1,6})?$")
_UNSET: Any = object()


def split_phones(raw: str | Iterable[str] | None) -> list[str]:
    """Phones as a list: accepts a list, or text with one number per line or 、，,; between."""
    if raw is None:
        return []
    items = re.split(r"[\n、，,;；]+", raw) if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        phone = _clean(str(item))
        if phone and phone not in out:
            out.append(phone)
    return out


def check_phones(phones: Iterable[str] | str | None) -> list[str]:
    out = split_phones(phones)
    bad = [p for p in out if not _PHONE_RE.match(p)]
    if bad:
        raise DomainError(
            _("Not a phone number: %(phones)s.") % {"phones": enumeration(bad)},
            code="invalid_phone",
            status=422,
            details={"phones": bad},
        )
    return out


def check_outlet_code(code: str) -> str:
    code = _clean(code or "")
    if not _OUTLET_CODE_RE.match(code):
        raise DomainError(
            _(
                "An outlet code is 1–32 letters, digits, “-”, “_” or “.”, starting with a letter "
                "or digit."
            ),
            code="invalid_code",
            status=422,
            details={"code": code},
        )
    return code


def _check_product_lines(lines: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    valid = set(ProductLine.values)
    for line in lines or ():
        if line not in valid:
            raise DomainError(
                _("Unknown product line: %(line)s.") % {"line": line},
                code="invalid_product_line",
                status=422,
                details={"product_line": line, "allowed": sorted(valid)},
            )
        if line not in out:
            out.append(line)
    return out


def _check_status(status: str) -> str:
    if status not in OutletStatus.values:
        raise DomainError(
            _("Unknown outlet status: %(status)s.") % {"status": status},
            code="invalid_status",
            status=422,
        )
    return status


def _check_name(name: str) -> str:
    name = _clean(name or "")
    if not name:
        raise DomainError(_("An outlet needs a name."), code="name_required", status=422)
    return name


def _resolve_address(address: str) -> tuple[str, str, str]:
    address = _clean(address or "")
    if not address:
        return "", "", ""
    res = resolve(address)
    return address, (res.code or "") if res.ok else "", res.status


def outlet_create(
    *,
    code: str,
    name: str,
    address: str = "",
    phones: Iterable[str] | str | None = None,
    opening_hours: str = "",
    product_lines: Iterable[str] | None = None,
    status: str = OutletStatus.ACTIVE,
) -> Outlet:
    """Create an outlet; its address is resolved to a division (the result is stored as is)."""
    code = check_outlet_code(code)
    fields = {
        "name": _check_name(name),
        "phones": check_phones(phones),
        "opening_hours": _clean(opening_hours or ""),
        "product_lines": _check_product_lines(product_lines),
        "status": _check_status(status),
    }
    fields["address"], fields["address_division_code"], fields["address_status"] = _resolve_address(
        address
    )
    with transaction.atomic():
        if Outlet.objects.filter(code=code).exists():
            raise DomainError(
                _("An outlet with code %(code)s already exists.") % {"code": code},
                code="duplicate_code",
                status=409,
            )
        return Outlet.objects.create(code=code, **fields)


def outlet_update(
    *,
    outlet: Outlet,
    name: str = _UNSET,
    address: str = _UNSET,
    phones: Iterable[str] | str | None = _UNSET,
    opening_hours: str = _UNSET,
    product_lines: Iterable[str] | None = _UNSET,
    status: str = _UNSET,
) -> Outlet:
    """Change an outlet's details; only the arguments given are changed."""
    changes: dict[str, Any] = {}
    if name is not _UNSET:
        changes["name"] = _check_name(name)
    if phones is not _UNSET:
        changes["phones"] = check_phones(phones)
    if opening_hours is not _UNSET:
        changes["opening_hours"] = _clean(opening_hours or "")
    if product_lines is not _UNSET:
        changes["product_lines"] = _check_product_lines(product_lines)
    if status is not _UNSET:
        changes["status"] = _check_status(status)
    if address is not _UNSET:
        changes["address"], changes["address_division_code"], changes["address_status"] = (
            _resolve_address(address)
        )
    with transaction.atomic():
        locked = Outlet.objects.select_for_update().get(pk=outlet.pk)
        for key, value in changes.items():
            setattr(locked, key, value)
        if changes:
            locked.save(update_fields=[*changes, "updated_at"])
    for key, value in changes.items():
        setattr(outlet, key, value)
    outlet.updated_at = locked.updated_at
    return locked


# --------------------------------------------------------------------------------------------
# Outlet staff
# --------------------------------------------------------------------------------------------


def outlet_member_set(*, outlet: Outlet, user: Any, role: str, active: bool = True) -> OutletMember:
    """Make ``user`` a member of ``outlet`` with ``role`` (or change their role there).

    A user has one role per outlet; ``active=False`` ends the membership (the row is kept).
    """
    if role not in MemberRole.values:
        raise DomainError(
            _("Unknown outlet role: %(role)s.") % {"role": role},
            code="invalid_role",
            status=422,
            details={"role": role, "allowed": list(MemberRole.values)},
        )
    with transaction.atomic():
        member, _created = OutletMember.objects.select_for_update().get_or_create(
            outlet=outlet, user=user, defaults={"role": role, "active": active}
        )
        if member.role != role or member.active != active:
            member.role, member.active = role, active
            member.save(update_fields=["role", "active"])
    return member
