"""Demo data of customers: a product catalog and one customer with an address and a device.

Idempotent and deterministic; written through the services like everything else. Called by the
``seed_demo`` management command (``fairdesk demo``).
"""

from __future__ import annotations

from datetime import date

from fairdesk.customers.models import Address, Device, ProductModel
from fairdesk.customers.services import (
    address_create,
    customer_get_or_create,
    customer_update,
    device_register,
    product_model_save,
)
from fairdesk.network.choices import ProductLine as PL

DEMO_BRAND = "fairdesk 演示品牌"
DEMO_CUSTOMER_PHONE = "13800000001"
DEMO_CUSTOMER_NAME = "张三"
DEMO_ADDRESS = "广东省深圳市南山区粤海街道科技园路1号"
DEMO_ADDRESS_UNRESOLVED = "朝阳区建国路88号"  # two 朝阳区: kept, with a warning
DEMO_DEVICE_MODEL = "FD-KFR-35GW"
DEMO_DEVICE_SERIAL = "FD2024AC35000001"
DEMO_DEVICE_PURCHASED = date(2024, 6, 18)

# (model code, product line, name, English name, warranty months, on sale). Warranty terms as
# Chinese brands publish them for the whole unit (整机): air conditioners six years, most large
# appliances three, safes and smart locks two, small smart devices and purifiers one.
CATALOG: list[tuple[str, str, str, str, int, bool]] = [
    (
        "FD-KFR-35GW",
        PL.AIR_CONDITIONER,
        "壁挂式空调 1.5匹 新一级能效",
        "Wall-mounted air conditioner 1.5 HP",
        72,
        True,
    ),
    (
        "FD-KFR-72LW",
        PL.AIR_CONDITIONER,
        "立柜式空调 3匹",
        "Floor-standing air conditioner 3 HP",
        72,
        True,
    ),
    (
        "FD-RFD-120W",
        PL.AIR_CONDITIONER,
        "家用中央空调 一拖五",
        "Home central air conditioning, 1 outdoor to 5 indoor units",
        72,
        True,
    ),
    (
        "FD-KFR-26GW",
        PL.AIR_CONDITIONER,
        "壁挂式空调 1匹（已停产）",
        "Wall-mounted air conditioner 1 HP (discontinued)",
        72,
        False,
    ),
    ("FD-ES60H", PL.WATER_HEATER, "电热水器 60升", "Electric water heater 60 L", 36, True),
    ("FD-JSQ25-13", PL.WATER_HEATER, "燃气热水器 13升", "Gas water heater 13 L/min", 36, True),
    ("FD-BGX-45", PL.SAFE, "电子密码保险柜 45厘米", "Electronic keypad safe 45 cm", 24, True),
    ("FD-BGX-80F", PL.SAFE, "指纹保险柜 80厘米", "Fingerprint safe 80 cm", 24, True),
    ("FD-LOCK-S1", PL.SMART_HOME, "智能门锁 S1", "Smart door lock S1", 24, True),
    ("FD-CAM-C2", PL.SMART_HOME, "智能摄像机 C2", "Smart camera C2", 12, True),
    ("FD-CXW-260", PL.KITCHEN_APPLIANCE, "吸油烟机 侧吸式", "Range hood, side suction", 36, True),
    ("FD-JZT-Q6", PL.KITCHEN_APPLIANCE, "燃气灶 双眼", "Gas hob, two burners", 36, True),
    (
        "FD-XQG100",
        PL.WASHING_MACHINE,
        "滚筒洗衣机 10公斤",
        "Front-load washing machine 10 kg",
        36,
        True,
    ),
    (
        "FD-BCD-510W",
        PL.REFRIGERATOR,
        "对开门冰箱 510升",
        "Side-by-side refrigerator 510 L",
        36,
        True,
    ),
    (
        "FD-RO-800G",
        PL.WATER_PURIFIER,
        "反渗透净水器 800G",
        "Reverse-osmosis water purifier 800G",
        12,
        True,
    ),
    ("FD-65E8", PL.TELEVISION, "65英寸 4K 电视", "65-inch 4K television", 36, True),
]


def seed_customers_demo() -> str:
    """Write the catalog and the demo customer (unchanged rows are left alone); a summary line."""
    existing = {m.model_code: m for m in ProductModel.objects.filter(brand=DEMO_BRAND)}
    written = 0
    for code, line, name, name_en, months, active in CATALOG:
        current = existing.get(code)
        wanted = (str(line), name, name_en, months, active)
        if (
            current is not None
            and (
                current.product_line,
                current.name,
                current.name_en,
                current.warranty_months,
                current.active,
            )
            == wanted
        ):
            continue
        existing[code] = product_model_save(
            brand=DEMO_BRAND,
            model_code=code,
            product_line=str(line),
            name=name,
            name_en=name_en,
            warranty_months=months,
            active=active,
        )
        written += 1

    customer = customer_get_or_create(phone=DEMO_CUSTOMER_PHONE, name=DEMO_CUSTOMER_NAME)
    if not customer.name:
        customer_update(customer=customer, name=DEMO_CUSTOMER_NAME)
    texts = set(Address.objects.filter(customer=customer).values_list("text", flat=True))
    if DEMO_ADDRESS not in texts:
        address_create(
            customer=customer,
            text=DEMO_ADDRESS,
            label="家",
            contact_name=DEMO_CUSTOMER_NAME,
            contact_phone=DEMO_CUSTOMER_PHONE,
            is_default=True,
        )
    if DEMO_ADDRESS_UNRESOLVED not in texts:
        address_create(customer=customer, text=DEMO_ADDRESS_UNRESOLVED, label="公司")
    model = existing[DEMO_DEVICE_MODEL]
    if not Device.objects.filter(product_model=model, serial=DEMO_DEVICE_SERIAL).exists():
        device_register(
            customer=customer,
            product_model=model,
            serial=DEMO_DEVICE_SERIAL,
            purchase_date=DEMO_DEVICE_PURCHASED,
        )
    return (
        f"customers: catalog of {len(CATALOG)} models ({written} written); demo customer "
        f"{DEMO_CUSTOMER_NAME} {DEMO_CUSTOMER_PHONE} (sign in at /login/, code on /outbox/)"
    )
