"""seed_demo: the demo data — one brand's national service network and a user per role.

Idempotent and deterministic: the outlets and their coverage lists are generated from the gazetteer
(no randomness), written through the same services as everything else (``outlet_create`` /
``outlet_update`` and ``coverage_import_apply``), and re-running changes nothing that is already
as seeded (an outlet whose last import is the same list is skipped).

The coverage lists are free text in the forms brands really publish: "南宁市全境", a short province
name before a prefecture and county ("广西柳州市城中区"), a short prefecture name before a county
("黔东南榕江县"), a line heading before plain county names ("河池市：金城江区、宜州区"),
province-administered counties ("直辖县天门市") and townships ("中山市石岐街道"). An entry the
resolver finds ambiguous is settled the way an administrator would: by the one candidate inside the
outlet's province (and left pending when there is not exactly one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from fairdesk.areas.gazetteer import COUNTY, PREFECTURE, TOWNSHIP, Division, get_gazetteer
from fairdesk.contact.demo import SECOND_AGENT
from fairdesk.core import roles
from fairdesk.network.choices import LineOutcome, ProductLine
from fairdesk.network.models import CoverageImport, Outlet
from fairdesk.network.services import (
    coverage_import_apply,
    coverage_import_preview,
    outlet_create,
    outlet_update,
)

DEMO_PASSWORD = "fairdesk-demo"
DEMO_ADMIN = "admin"
ROLE_USERS = [
    roles.AGENT,
    roles.DISPATCHER,
    roles.TECHNICIAN,
    roles.OUTLET_MANAGER,
    roles.BRAND_ADMIN,
    roles.AUDITOR,
]
# More demo users in a role: a second agent for the contact centre's demo (away, with its own
# skills), so that the queue has someone who is not available.
EXTRA_USERS = {SECOND_AGENT: roles.AGENT}
# The user the demo's integrations act as (``fairdesk manage create_api_token brand-app --user
# integration``): in the integration role, which files requests for any customer; no password,
# no page (a token has exactly its user's rights).
INTEGRATION_USER = "integration"
OUTLET_PREFIX = "FD"
MUNICIPALITIES = {"11", "12", "31", "50"}

_PROVINCE_SUFFIXES = (
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_ETHNIC = (
    "蒙古族",
    "蒙古",
    "藏族",
    "羌族",
    "彝族",
    "苗族",
    "侗族",
    "土家族",
    "布依族",
    "哈尼族",
    "壮族",
    "傣族",
    "景颇族",
    "白族",
    "傈僳族",
    "回族",
    "朝鲜族",
    "哈萨克",
    "柯尔克孜",
)
_STREETS = (
    "人民路",
    "解放路",
    "建设大道",
    "中山路",
    "新华路",
    "胜利街",
    "文化路",
    "滨江大道",
    "和平路",
    "团结路",
    "友谊路",
    "长江路",
)
_PRODUCT_SETS = [
    [ProductLine.AIR_CONDITIONER, ProductLine.WATER_HEATER, ProductLine.KITCHEN_APPLIANCE],
    [ProductLine.AIR_CONDITIONER, ProductLine.REFRIGERATOR, ProductLine.WASHING_MACHINE],
    [ProductLine.SAFE, ProductLine.SMART_HOME],
    [
        ProductLine.WATER_HEATER,
        ProductLine.WATER_PURIFIER,
        ProductLine.KITCHEN_APPLIANCE,
        ProductLine.SMART_HOME,
    ],
    list(ProductLine),
]


def short_province(name: str) -> str:
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def short_prefecture(name: str) -> str:
    """黔东南苗族侗族自治州 → 黔东南, 南宁市 → 南宁, 阿里地区 → 阿里, 锡林郭勒盟 → 锡林郭勒."""
    if name.endswith("自治州"):
        core = name[: -len("自治州")]
        changed = True
        while changed:
            changed = False
            for ethnic in _ETHNIC:
                if core.endswith(ethnic) and len(core) > len(ethnic) + 1:
                    core = core[: -len(ethnic)]
                    changed = True
        return core
    for suffix in ("地区", "市", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@dataclass
class OutletSpec:
    code: str
    name: str
    address: str
    phones: list[str]
    product_lines: list[str]
    province: str  # province code: ambiguous entries are settled inside it
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _children(code: str, level: int | None = None) -> list[Division]:
    g = get_gazetteer()
    out = [g.divisions[c] for c in sorted(g.children.get(code, ()))]
    return [d for d in out if level is None or d.level == level]


def _prefecture_lines(pref: Division, province: Division, form: int) -> list[str]:
    """One prefecture's coverage, in one of the published forms."""
    counties = _children(pref.code, COUNTY)
    townships = _children(pref.code, TOWNSHIP)
    if not counties and townships:  # 东莞, 中山, 儋州, 嘉峪关: townships straight under the city
        return ["、".join(f"{pref.name}{t.name}" for t in townships[:12])]
    if not counties or form == 0:
        return [f"{pref.name}全境"]
    if form == 1:
        return ["、".join(f"{short_province(province.name)}{pref.name}{c.name}" for c in counties)]
    if form == 2:
        return ["、".join(f"{short_prefecture(pref.name)}{c.name}" for c in counties)]
    return [f"{pref.name}：" + "、".join(c.name for c in counties)]


def demo_network() -> list[OutletSpec]:
    """The demo brand's outlets, generated from the gazetteer (same output every time)."""
    g = get_gazetteer()
    provinces = sorted((d for d in g.divisions.values() if d.level == 1), key=lambda d: d.code)
    specs: list[OutletSpec] = []
    n = 0

    def new(province: Division, suffix: str, seat: Division | None, label: str) -> OutletSpec:
        nonlocal n
        n += 1
        places = [province]
        if seat is not None:
            places.append(seat)
        county = next(iter(_children(places[-1].code, COUNTY)), None)
        if county is not None:
            places.append(county)
        where = "".join(d.name for d in places)
        street = _STREETS[n % len(_STREETS)]
        short = short_province(province.name)
        return OutletSpec(
            code=f"{OUTLET_PREFIX}-{province.code[:2]}{suffix}",
            name=f"{short}{label}服务中心",
            address=f"{where}{street}{8 + n * 3}号",
            phones=[f"400-820-{1000 + n:04d}", f"0{10 + n:02d}-8{n:03d}6{n % 10}88"],
            # a province's main outlet ("01") serves every product line; the others specialise
            product_lines=[
                str(p)
                for p in (
                    list(ProductLine) if suffix == "01" else _PRODUCT_SETS[n % len(_PRODUCT_SETS)]
                )
            ],
            province=province.code,
        )

    hk_macao = [p for p in provinces if p.code[:2] in {"81", "82"}]
    for province in provinces:
        if province in hk_macao:
            continue
        pp = province.code[:2]
        prefectures = _children(province.code, PREFECTURE)
        direct = _children(province.code, COUNTY)
        if pp in MUNICIPALITIES:
            # A: every other district, "北京朝阳区" style; B: the whole city.
            a = new(province, "01", None, "城区")
            a.lines.append(
                "、".join(f"{short_province(province.name)}{d.name}" for d in direct[::2])
            )
            a.lines.append("、".join(f"{province.name}{d.name}" for d in direct[1::4]))
            b = new(province, "02", None, "全市")
            b.lines.append(f"{province.name}全境")
            specs += [a, b]
            continue
        seat = prefectures[0] if prefectures else None
        a = new(province, "01", seat, short_prefecture(seat.name) if seat else "")
        # A: every other prefecture, every autonomous prefecture ("黔东南榕江县" form) and every
        # city without counties (townships: "中山市石岐街道"); B: half of the rest.
        mine = [
            p
            for i, p in enumerate(prefectures)
            if i % 2 == 0 or p.name.endswith("自治州") or not _children(p.code, COUNTY)
        ]
        for i, pref in enumerate(mine):
            a.lines += _prefecture_lines(
                pref, province, 2 if pref.name.endswith("自治州") else i % 4
            )
        if direct:
            a.lines.append("、".join(f"直辖县{d.name}" for d in direct[::2]))
        specs.append(a)
        odd = [p for p in prefectures if p not in mine]
        if len(prefectures) >= 8 and odd:
            b = new(province, "02", odd[0], short_prefecture(odd[0].name))
            for i, pref in enumerate(odd[::2]):
                b.lines += _prefecture_lines(pref, province, (i + 2) % 4)
            # Township coverage inside A's first prefecture: a more specific outlet there.
            first_county = next(iter(_children(prefectures[0].code, COUNTY)), None)
            if first_county is not None:
                towns = _children(first_county.code, TOWNSHIP)[:3]
                if towns:
                    b.lines.append(
                        "、".join(
                            f"{short_prefecture(prefectures[0].name)}{first_county.name}{t.name}"
                            for t in towns
                        )
                    )
            if len(direct) > 1:
                b.lines.append("、".join(f"省直辖{d.name}" for d in direct[1::2]))
            specs.append(b)
    if hk_macao:
        gd = g.divisions["440000"]
        hk = new(gd, "81", None, "港澳")
        hk.code = f"{OUTLET_PREFIX}-8101"
        hk.name = "港澳服务中心"
        hk.address = "广东省珠海市香洲区情侣路88号"
        hk.province = hk_macao[0].code
        hk.lines.append("、".join(f"{short_province(p.name)}全境" for p in hk_macao))
        specs.append(hk)
    return specs


def _choices_inside(report: Any, province_code: str) -> dict[int, str]:
    """An administrator's choices: the one candidate inside the outlet's province."""
    g = get_gazetteer()
    choices: dict[int, str] = {}
    for r in report.entries:
        if r.outcome != LineOutcome.NEEDS_CHOICE:
            continue
        inside = [c["code"] for c in r.candidates if g.contains(province_code, c["code"])]
        if len(inside) == 1:
            choices[r.index] = inside[0]
    return choices


class Command(BaseCommand):
    help = "Seed the demo: a national service network and one user per role (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        roles.sync_roles()
        self.seed_users()
        self.seed_network()
        self.seed_customers()
        self.seed_service_requests()
        self.seed_plans()
        self.seed_contact()

    def seed_contact(self) -> None:
        from fairdesk.contact.demo import seed_contact_demo

        self.stdout.write(seed_contact_demo())

    def seed_plans(self) -> None:
        from fairdesk.plans.demo import seed_plans_demo

        self.stdout.write(seed_plans_demo())

    def seed_service_requests(self) -> None:
        from fairdesk.service_requests.demo import seed_service_requests_demo

        self.stdout.write(seed_service_requests_demo())

    def seed_customers(self) -> None:
        from fairdesk.customers.demo import seed_customers_demo

        self.stdout.write(seed_customers_demo())

    def seed_users(self) -> None:
        User = get_user_model()
        encoded = make_password(DEMO_PASSWORD)  # hashed once: the demo must start in seconds
        admin, _created = User.objects.get_or_create(
            username=DEMO_ADMIN,
            defaults={
                "is_staff": True,
                "is_superuser": True,
                "password": encoded,
                "email": "admin@example.com",
            },
        )
        if not (admin.is_staff and admin.is_superuser):
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])
        groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_USERS)}
        users = {role: role for role in ROLE_USERS} | EXTRA_USERS
        for username, role in users.items():
            user, _created = User.objects.get_or_create(
                username=username,
                defaults={
                    "is_staff": True,
                    "password": encoded,
                    "email": f"{username}@example.com",
                },
            )
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            user.groups.add(groups[role])
        integration, created = User.objects.get_or_create(username=INTEGRATION_USER)
        if created:
            integration.set_unusable_password()
            integration.save(update_fields=["password"])
        integration.groups.add(Group.objects.get(name=roles.INTEGRATION))
        self.stdout.write(f"users: {DEMO_ADMIN} + {', '.join(users)}, {INTEGRATION_USER}")

    def seed_network(self) -> None:
        specs = demo_network()
        existing = {o.code: o for o in Outlet.objects.filter(code__in=[s.code for s in specs])}
        # Each outlet's latest import (ascending order: the dict keeps the last one).
        last_text = dict(
            CoverageImport.objects.filter(outlet__code__in=[s.code for s in specs])
            .order_by("outlet_id", "created_at", "id")
            .values_list("outlet__code", "raw_text")
        )
        attention: list[str] = []
        imported = 0
        for spec in specs:
            fields: dict[str, Any] = {
                "name": spec.name,
                "address": spec.address,
                "phones": spec.phones,
                "product_lines": spec.product_lines,
                "opening_hours": "周一至周日 08:30–18:00",
            }
            outlet = existing.get(spec.code)
            if outlet is None:
                outlet = outlet_create(code=spec.code, **fields)
            elif any(getattr(outlet, k) != v for k, v in fields.items()):
                outlet = outlet_update(outlet=outlet, **fields)
            if last_text.get(spec.code) == spec.text:
                continue
            preview = coverage_import_preview(outlet=outlet, text=spec.text, replace=True)
            choices = _choices_inside(preview, spec.province)
            report = coverage_import_apply(
                outlet=outlet, text=spec.text, replace=True, choices=choices, actor_name="seed_demo"
            )
            imported += 1
            for r in report.entries:
                if r.needs_attention:
                    attention.append(
                        f"{spec.code} #{r.index} {r.entry.text}: {r.outcome} "
                        f"{r.status} {[c['code'] for c in r.candidates][:5]}"
                    )
        from fairdesk.network.selectors import network_summary

        summary = network_summary()
        self.stdout.write(
            f"network: {len(specs)} outlets ({imported} coverage lists imported), "
            f"{summary['counties_covered']}/{summary['counties_total']} counties, "
            f"{summary['provinces_covered']}/{summary['provinces_total']} provinces"
        )
        if attention:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(attention)} entries need attention "
                    "(see the coverage imports in the admin):"
                )
            )
            for line in attention[:50]:
                self.stdout.write(f"  {line}")
