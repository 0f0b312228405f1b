"""Demo data of the contact centre: automatic answers, agents, contacts, callbacks, complaints.

Everything but the automatic answers is written through ``contact.services``, as the portal, the
console and the worker would have written it, at instants in the recent past (the services'
``now=`` argument), so the logs read naturally and no row is written behind the services' back.
The automatic answers (``FaqEntry``) have no service — brand administrators keep them in the
admin — so they are written with the ORM, as the admin would.

* Automatic answers in 简体中文 and English: warranty length, booking a repair, cancelling or
  downgrading a plan (the same steps as an upgrade, on /portal/plans/), refund timing, opening
  hours (the agents' are the staffed hours configured, ``CONTACT_CALLBACK_HOURS``), the visit
  fee, parts prices, fault codes (in general, and E1, E4, F0, H6), cleaning.
* Agents: ``agent`` (the demo login) is available, takes both languages and every product line,
  two conversations at once; ``agent2`` (air conditioners and water heaters, Chinese only) is
  away — it answered a call yesterday.
* Contacts: yesterday, 张三's warranty question answered by the assistant (closed) and 李四's
  refund call answered by ``agent2`` (closed); a few minutes ago, 张三's phone call about his
  repair, taken by ``agent`` (with an agent), 李四's web chat about downgrading, who typed 人工
  and was handed to ``agent`` at once by the queue rule (green channel, with an agent), and a
  visitor's English chat who asked for an agent while ``agent`` was at their limit (waiting).
* Callbacks: 张三's sales callback promised for yesterday 10:00–11:00 and not made — missed,
  escalated to level 1 at the window's end (the customer was told; ``callbacks_escalate_due``
  run at that instant) and to level 2 when seeding (more than four hours on), and still waiting,
  first in the queue; 李四's repair callback booked for the first window offered two hours
  on (later today, or the next morning when seeded after hours).
* Complaints: 李四's refund complaint, received two hours ago (green channel, linked to his cloud
  subscription); 张三's complaint about the late technician, being investigated (linked to his
  repair request); 张三's plan-change complaint, resolved and awaiting his answer (green
  channel, linked to his maintenance plan).

Idempotent: an answer is added only when none has its first keyword; a contact, callback or
complaint only when none with its words exists; agent profiles are ensured. Seeding twice gives
the same data. Run after the users, customers, service requests and plans demos (``seed_demo``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from fairdesk.contact.choices import (
    AgentStatus,
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    ContactStatus,
    ContactType,
)
from fairdesk.contact.models import AgentProfile, Callback, Complaint, Contact, FaqEntry
from fairdesk.contact.selectors import callback_hours_text, callback_windows
from fairdesk.contact.services.callbacks import callback_request, callbacks_escalate_due
from fairdesk.contact.services.complaints import (
    complaint_file,
    complaint_policy,
    complaint_transition,
)
from fairdesk.contact.services.conversations import (
    contact_close,
    contact_request_human,
    contact_say,
    contact_start,
)
from fairdesk.contact.services.queue import agent_profile_ensure, agent_set_status, queue_dispatch
from fairdesk.core import roles
from fairdesk.core.localtime import SHANGHAI
from fairdesk.customers.demo import DEMO_CUSTOMER_PHONE
from fairdesk.customers.models import Customer
from fairdesk.network.choices import ProductLine

#: A second demo agent (created by ``seed_demo`` with the demo password, in the agent role).
SECOND_AGENT = "agent2"
SECOND_CUSTOMER_PHONE = "13800000002"  # 李四, added by the plans demo

# --------------------------------------------------------------------------------------------
# Automatic answers: (keywords, answer in 简体中文, answer in English). The assistant shows the
# answer whose keyword in the customer's words is the most specific (a fault code, then the
# longest keyword; ``assistant.best_answer``). "{hours}" is the staffed hours as configured.
# --------------------------------------------------------------------------------------------

FAQ: list[tuple[str, str, str]] = [
    (
        "保修,质保,保修期,保多久,warranty,guarantee",
        "整机保修从购买日期起算：空调6年；热水器、厨房电器、洗衣机、冰箱和电视3年；保险柜和"
        "智能门锁2年；智能摄像机和净水器1年。在服务中心（/portal/）登记设备并上传购买凭证，"
        "即可看到每台设备的保修到期日。保修期外可购买延保，见“我的套餐”（/portal/plans/）。",
        "The whole unit is under warranty from the purchase date: air conditioners 6 years; water "
        "heaters, kitchen appliances, washing machines, refrigerators and televisions 3 years; "
        "safes and smart locks 2 years; smart cameras and water purifiers 1 year. Register your "
        "device with its proof of purchase in the service centre (/portal/) to see the date its "
        "warranty ends. Extended warranties are under My plans (/portal/plans/).",
    ),
    (
        "报修,维修,修理,坏了,故障,不制冷,不加热,repair,broken,not working",
        "在线报修：打开 /portal/book/，选择设备和地址，描述故障，选一个上门时段（上午、下午或"
        "晚上）。报修单会自动派给负责您地址的服务网点，已覆盖地区的维修承诺24小时内上门，"
        "每个时限都显示在报修单上，超时也会标明。报修后可在报修单页面改约或取消。"
        "也可以说“人工”，由客服为您登记。",
        "Book a repair at /portal/book/: choose the device and the address, describe the fault "
        "and pick a visit slot (morning, afternoon or evening). The request goes to the outlet "
        "covering your address; in covered areas a technician is promised on site within 24 "
        "hours, and every deadline is shown on the request — also when it is missed. You can "
        "reschedule or cancel on the request's page. Or type “agent” and an agent files it "
        "for you.",
    ),
    (
        "取消,退订,降级,解约,不续费,套餐变更,cancel,downgrade,unsubscribe",
        "降级和取消与升级在同一个页面、步骤完全相同：打开“我的套餐”（/portal/plans/），"
        "点“变更、退订或查看详情”，选新方案或“取消”，查看预览后确认即可——两步完成，"
        "不需要联系客服，也不需要先结清欠款。生效时间规则与升级相同；未使用的预付时长按秒"
        "折算，默认原路退回。",
        "Downgrading or cancelling takes the same steps as upgrading, on the same page: open My "
        "plans (/portal/plans/), choose “Change, cancel or see details”, pick the new plan or "
        "Cancel, check the preview and confirm — two steps, with no call, no agent and no open "
        "balance to pay first. The change follows the same timing rule as an upgrade; unused "
        "prepaid time is credited to the second and refunded to your original payment method "
        "by default.",
    ),
    (
        "退款,退钱,退费,到账,refund,money back",
        "退款是有日期的承诺：套餐降级或取消产生的退款，在变更后7天内原路退回，具体日期写在"
        "确认短信和“我的套餐”（/portal/plans/）里；付款渠道暂时失败时系统会自动重试，"
        "直到退回为止。对退款有疑问可以直接投诉，退款投诉走绿色通道。",
        "A refund is a promise with a date: money from a downgrade or cancellation goes back to "
        "your original payment method within 7 days of the change, and the date is in the "
        "confirmation SMS and under My plans (/portal/plans/). If the payment channel fails, "
        "the refund is retried automatically until it is paid. Refund complaints go through "
        "the green channel.",
    ),
    (
        # (no 客服 here: any message with 客服 goes straight to a person)
        "营业时间,几点,上班时间,什么时候上班,回电,取消+回电,改约+回电,opening hours,business hours,"
        "when are you open,callback,call back,cancel+callback,move+callback",
        "在线服务（本助手、在线报修、套餐变更、投诉）全天24小时可用。人工客服每天{hours}"
        "（北京时间）在线：其他时间也可以转人工排队，上班后按顺序接待；或者预约这段时间内的回电"
        "（/portal/contact/callbacks/），预约后可随时改约或取消。服务网点营业时间为周一至周日"
        " 08:30–18:00；上门时段为上午09:00–12:00、下午13:00–18:00、晚上18:00–21:00。",
        "Online service (this assistant, booking repairs, plan changes, complaints) is open 24 "
        "hours a day. Agents answer every day {hours} (Beijing time): outside these hours you "
        "can still ask for a person and are answered in turn when they start, or book a callback "
        "within these hours (/portal/contact/callbacks/), which you can move or cancel. Service "
        "outlets are open Monday to Sunday 08:30–18:00; technicians visit 09:00–12:00, "
        "13:00–18:00 or 18:00–21:00.",
    ),
    (
        "上门费,上门费用,上门+多少钱,上门+收费,维修费,修理费,检测费,维修+多少钱,修+多少钱,"
        "维修+收费,收费标准,visit fee,call-out fee,callout fee,repair cost,how much+repair,"
        "how much+visit",
        "保修期内上门、检测和维修都免费（人为损坏除外）。保修期外上门检测费50元，决定维修的话"
        "并入维修费、不另收；付费维修前师傅会先给您报价单，配件和工时分别列明，您同意后才开始，"
        "不同意只收检测费。在线报修：/portal/book/。",
        "Within the warranty the visit, the diagnosis and the repair are free (except accidental "
        "damage). Outside it the visit and diagnosis cost CNY 50, included in the repair price "
        "if you go ahead; before any paid work the technician gives you a quote with parts and "
        "labour listed separately, and starts only once you agree — if you do not, you pay the "
        "diagnosis only. Book a repair at /portal/book/.",
    ),
    (
        "配件价格,配件+多少钱,配件+价格,配件+收费,零件价格,零件+多少钱,配件,零件,parts price,"
        "price+part,spare part,parts cost",
        "配件一律使用原厂配件，按品牌公布的统一价目收费，各网点同价；保修期内的配件免费。付费"
        "维修前，师傅的报价单会列出每个配件的名称、编号和价格，您确认后才更换，换下的旧件可以"
        "要求查看。对价格有疑问可以投诉（/portal/complaints/new/），我们会核对。",
        "Only original parts are used, at the brand's published prices — the same at every "
        "outlet; parts are free under warranty. Before any paid repair the technician's quote "
        "lists each part with its number and price, nothing is replaced before you agree, and "
        "you may ask to see the old part. If a price looks wrong, file a complaint "
        "(/portal/complaints/new/) and we check it.",
    ),
    (
        "故障代码,错误代码,报错代码,显示代码,error code,fault code",
        "空调常见故障代码：E1 系统高压保护；E4 排气温度过高保护；F0 冷媒不足保护；H6 室内风机"
        "无反馈。请先关机断电5分钟再开机；仍然显示代码请报修（/portal/book/），描述里写上代码，"
        "师傅会带上相应配件。其他代码也可以直接发给我们。",
        "Common air-conditioner fault codes: E1 high-pressure protection; E4 discharge "
        "temperature too high; F0 low refrigerant; H6 indoor fan not responding. Switch the "
        "unit off at the mains for 5 minutes and on again; if the code stays, book a repair "
        "(/portal/book/) with the code in the description so the technician brings the right "
        "part. Send us any other code too.",
    ),
    (
        "E1",
        "空调显示 E1：系统高压保护。常见原因是室外机散热不好（被遮挡、冷凝器脏堵）或室外风扇"
        "不转。请关机断电5分钟后再开机，并检查室外机周围是否通风；仍显示 E1 请报修"
        "（/portal/book/），描述里写上“E1”。",
        "E1 on an air conditioner: high-pressure protection. Usually the outdoor unit cannot "
        "shed heat (blocked, a dirty condenser) or its fan does not turn. Switch off at the "
        "mains for 5 minutes, restart, and make sure the outdoor unit has free air around it; "
        "if E1 stays, book a repair (/portal/book/) with “E1” in the description.",
    ),
    (
        "E4",
        "空调显示 E4：排气温度过高保护，多由冷媒不足或室外机散热不好引起。请关机断电5分钟后再"
        "开机；仍显示 E4 请报修（/portal/book/），不要自行加冷媒。",
        "E4 on an air conditioner: discharge temperature too high, usually low refrigerant or "
        "an outdoor unit that cannot shed heat. Switch off at the mains for 5 minutes and "
        "restart; if E4 stays, book a repair (/portal/book/) — do not top up refrigerant "
        "yourself.",
    ),
    (
        "F0",
        "空调显示 F0：冷媒不足保护（维修时回收冷媒也会显示）。冷媒不足需要师傅检漏后加注，请"
        "报修（/portal/book/），描述里写上“F0”；保修期内免费。",
        "F0 on an air conditioner: low refrigerant (also shown while refrigerant is recovered "
        "during a repair). A technician has to find the leak and refill it: book a repair "
        "(/portal/book/) with “F0” in the description; free under warranty.",
    ),
    (
        "H6",
        "空调显示 H6：室内风机无反馈，即室内电机或其连线故障。请关机断电5分钟后再开机；仍显示"
        " H6 请报修（/portal/book/），描述里写上“H6”。",
        "H6 on an air conditioner: the indoor fan motor does not respond (the motor or its "
        "wiring). Switch off at the mains for 5 minutes and restart; if H6 stays, book a "
        "repair (/portal/book/) with “H6” in the description.",
    ),
    (
        "清洗,清洁,保养,cleaning,clean,maintenance",
        "空调清洗保养可以单次预约：在 /portal/book/ 选“保养或清洗”。也可以购买清洗保养套餐"
        "（基础版、标准版、尊享版，每年含不同次数的免费上门清洗），价格和内容见“我的套餐”"
        "（/portal/plans/），随时可以在同一页面升级、降级或取消。",
        "Book a one-off air-conditioner cleaning at /portal/book/ (“Maintenance or cleaning”), "
        "or take a care plan (Basic, Standard or Premium, each with free cleaning visits a "
        "year): prices and what each includes are under My plans (/portal/plans/), where you "
        "can upgrade, downgrade or cancel at any time on the same page.",
    ),
]

# --------------------------------------------------------------------------------------------
# Agents: username → (product lines (empty: all), languages, conversations at once, status)
# --------------------------------------------------------------------------------------------

AGENTS: dict[str, tuple[list[str], list[str], int, str]] = {
    roles.AGENT: ([], ["zh-hans", "en"], 2, AgentStatus.AVAILABLE),
    SECOND_AGENT: (
        [str(ProductLine.AIR_CONDITIONER), str(ProductLine.WATER_HEATER)],
        ["zh-hans"],
        3,
        AgentStatus.AWAY,
    ),
}

# The words of each demo contact, callback and complaint: also how seeding recognises them.
BOT_CLOSED = "空调保修多久？"
PHONE_CLOSED = "询问云存储退款什么时候到账"
PHONE_OPEN = "来电询问空调报修的上门时间"
CHAT_GREEN = "云存储想从90天降到7天，怎么降级？"
CHAT_WAITING = "Do you clean air conditioners at home?"
CALLBACK_MISSED = "想了解延保全面版和安心版的区别，请回电。"
CALLBACK_LATER = "热水器加热很慢，想预约师傅上门，请回电。"
COMPLAINT_RECEIVED = "云存储扣款失败了两次，银行卡上还有一笔冻结的金额，请说明是否退回、何时到账。"
COMPLAINT_INVESTIGATING = "报修约好上午上门，师傅没有按时到，也没有提前通知。"
COMPLAINT_RESOLVED = (
    "想把清洗保养套餐从标准版降到基础版，不清楚还没用完的费用怎么算，担心被多收钱。"
)


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` Beijing time on the local day of ``day``."""
    local = day.astimezone(SHANGHAI)
    return datetime.combine(local.date(), time(hour, minute), tzinfo=SHANGHAI)


def later_today(now: datetime) -> tuple[datetime, datetime] | None:
    """A callback window offered about two hours from now or later (the first within the staffed
    hours: later today, or the next morning when the centre has closed)."""
    windows = callback_windows(now=now + timedelta(hours=2))
    return windows[0] if windows else None


def _faq() -> int:
    added = 0
    hours = callback_hours_text()  # the staffed hours, as configured
    for keywords, answer, answer_en in FAQ:
        first = keywords.split(",", 1)[0]
        if FaqEntry.objects.filter(keywords__contains=first).exists():
            continue
        FaqEntry.objects.create(
            keywords=keywords,
            answer=answer.replace("{hours}", hours),
            answer_en=answer_en.replace("{hours}", hours),
        )
        added += 1
    return added


def _agents(users: dict[str, Any], now: datetime) -> dict[str, AgentProfile]:
    profiles = {}
    for username, (lines, languages, limit, status) in AGENTS.items():
        user = users.get(username)
        if user is None:
            continue
        profiles[username] = agent_profile_ensure(
            user=user,
            product_lines=lines,
            languages=languages,
            max_concurrent=limit,
            now=now - timedelta(days=2),
        )
        agent_set_status(agent_user=user, status=status, now=now - timedelta(hours=2))
    return profiles


def _exists(subject: str) -> bool:
    return Contact.objects.filter(subject=subject[:200]).exists()


def _contacts(
    zhang: Customer, li: Customer | None, users: dict[str, Any], now: datetime
) -> list[str]:
    made: list[str] = []
    agent, agent2 = users.get(roles.AGENT), users.get(SECOND_AGENT)
    yesterday = now - timedelta(days=1)

    # Closed: a question the assistant answered (the customer then left).
    if not _exists(BOT_CLOSED):
        at = _local(yesterday, 14, 5)
        contact = contact_start(
            contact_type=ContactType.CONSULTATION,
            channel=Channel.WEB_CHAT,
            customer=zhang,
            text=BOT_CLOSED,
            product_line=ProductLine.AIR_CONDITIONER,
            now=at,
        )
        contact_close(contact=contact, now=at + timedelta(minutes=2))
        made.append(BOT_CLOSED)

    # Closed: a call answered by the second agent, who is away today.
    if li is not None and agent2 is not None and not _exists(PHONE_CLOSED):
        at = _local(yesterday, 16, 20)
        contact = contact_start(
            contact_type=ContactType.REFUND,
            channel=Channel.PHONE,
            customer=li,
            text=PHONE_CLOSED,
            agent_user=agent2,
            now=at,
        )
        contact_close(
            contact=contact,
            agent_user=agent2,
            outcome="已说明：退款在变更后7天内原路退回，日期见确认短信。",
            now=at + timedelta(minutes=6),
        )
        made.append(PHONE_CLOSED)

    if agent is None:
        return made

    # With an agent: a call the demo agent is on.
    if not _exists(PHONE_OPEN):
        contact_start(
            contact_type=ContactType.REPAIR,
            channel=Channel.PHONE,
            customer=zhang,
            text=PHONE_OPEN,
            product_line=ProductLine.AIR_CONDITIONER,
            agent_user=agent,
            now=now - timedelta(minutes=12),
        )
        made.append(PHONE_OPEN)

    # With an agent: the assistant answers, the customer types 人工 and the queue hands the chat
    # to the demo agent at that instant (green channel; the assignment is logged with its
    # reason). The dispatch after commit then finds nothing more to do.
    if li is not None and not _exists(CHAT_GREEN):
        at = now - timedelta(minutes=8)
        with transaction.atomic():
            contact = contact_start(
                contact_type=ContactType.DOWNGRADE_CANCEL,
                channel=Channel.WEB_CHAT,
                customer=li,
                text=CHAT_GREEN,
                product_line=ProductLine.SMART_HOME,
                now=at,
            )
            contact_say(contact=contact, text="人工", customer=li, now=at + timedelta(minutes=1))
            queue_dispatch(now=at + timedelta(minutes=1))
        made.append(CHAT_GREEN)

    # Waiting: a visitor asks for an agent while the demo agent has two conversations open and
    # the other agent is away.
    if not _exists(CHAT_WAITING):
        at = now - timedelta(minutes=3)
        with transaction.atomic():
            contact = contact_start(
                contact_type=ContactType.CONSULTATION,
                channel=Channel.WEB_CHAT,
                text=CHAT_WAITING,
                product_line=ProductLine.AIR_CONDITIONER,
                language="en",
                now=at,
            )
            contact_request_human(contact=contact, now=at + timedelta(minutes=1))
            queue_dispatch(now=at + timedelta(minutes=1))
        made.append(CHAT_WAITING)
    return made


def _callbacks(zhang: Customer, li: Customer | None, now: datetime) -> list[str]:
    made: list[str] = []
    yesterday = now - timedelta(days=1)
    # Missed: booked yesterday morning for 10:00–11:00 and not made. The worker would have
    # escalated it at those instants; the demo runs the same service at them.
    if not _exists(CALLBACK_MISSED):
        start = _local(yesterday, 10)
        callback = callback_request(
            customer=zhang,
            phone=zhang.phone,
            window_start=start,
            window_end=start + timedelta(hours=1),
            contact_type=ContactType.BUY_UPGRADE,
            text=CALLBACK_MISSED,
            now=_local(yesterday, 9, 12),
        )
        callbacks_escalate_due(now=callback.window_end + timedelta(minutes=1))  # level 1
        callbacks_escalate_due(now=now)  # level 2: now is more than four hours after the end
        made.append(CALLBACK_MISSED)
    # Scheduled: later today.
    window = later_today(now)
    if li is not None and window is not None and not _exists(CALLBACK_LATER):
        callback_request(
            customer=li,
            phone=li.phone,
            window_start=window[0],
            window_end=window[1],
            contact_type=ContactType.REPAIR,
            text=CALLBACK_LATER,
            now=now - timedelta(minutes=30),
        )
        made.append(CALLBACK_LATER)
    return made


def _complaint(
    customer: Customer, category: str, description: str, at: datetime, **links: Any
) -> Complaint | None:
    if Complaint.objects.filter(customer=customer, description=description).exists():
        return None
    return complaint_file(
        customer=customer,
        category=category,
        description=description,
        actor=customer.user,
        now=at,
        **links,
    )


def _complaints(
    zhang: Customer, li: Customer | None, users: dict[str, Any], now: datetime
) -> list[str]:
    from fairdesk.plans.models import Subscription
    from fairdesk.service_requests.models import ServiceRequest

    made: list[str] = []
    handler = users.get(roles.BRAND_ADMIN) or users.get(roles.AGENT)
    desk = users.get(roles.AGENT) or handler
    if handler is None:
        return made
    complaint_policy()  # the policy row with its default deadlines

    # Received two hours ago: acknowledgement due within the policy's hours (green channel).
    if li is not None:
        cloud = Subscription.objects.filter(customer=li, plan__code="cloud-90").first()
        if _complaint(
            li,
            ComplaintCategory.REFUND,
            COMPLAINT_RECEIVED,
            now - timedelta(hours=2),
            subscription=cloud,
        ):
            made.append(COMPLAINT_RECEIVED)

    # Being investigated: acknowledged by the desk, then taken up by the brand.
    repair = ServiceRequest.objects.filter(customer=zhang, kind="repair").order_by("pk").first()
    filed = _local(now - timedelta(days=3), 10, 30)
    complaint = _complaint(
        zhang, ComplaintCategory.ON_SITE, COMPLAINT_INVESTIGATING, filed, service_request=repair
    )
    if complaint is not None:
        complaint_transition(
            complaint=complaint,
            to_status=ComplaintStatus.ACKNOWLEDGED,
            actor=desk,
            note="已收到，正在联系服务网点核实上门记录。",
            now=filed + timedelta(hours=2),
        )
        complaint_transition(
            complaint=complaint,
            to_status=ComplaintStatus.INVESTIGATING,
            actor=handler,
            note="网点调取了师傅的签到记录和派工时间。",
            now=filed + timedelta(days=1),
        )
        made.append(COMPLAINT_INVESTIGATING)

    # Resolved, awaiting the customer's answer (green channel).
    care = Subscription.objects.filter(customer=zhang, plan__code="ac-care-standard").first()
    filed = _local(now - timedelta(days=4), 15)
    complaint = _complaint(
        zhang, ComplaintCategory.PLAN_CHANGE, COMPLAINT_RESOLVED, filed, subscription=care
    )
    if complaint is not None:
        complaint_transition(
            complaint=complaint,
            to_status=ComplaintStatus.ACKNOWLEDGED,
            actor=desk,
            now=filed + timedelta(hours=1),
        )
        complaint_transition(
            complaint=complaint,
            to_status=ComplaintStatus.INVESTIGATING,
            actor=handler,
            now=filed + timedelta(days=1),
        )
        complaint_transition(
            complaint=complaint,
            to_status=ComplaintStatus.RESOLVED,
            actor=handler,
            outcome=(
                "已说明：降级与升级一样两步完成，未使用的预付时长按秒折算，默认原路退回；"
                "确认前预览页会显示退款金额和到账日期，不会多收费。客户可在“我的套餐”自行操作。"
            ),
            now=filed + timedelta(days=2),
        )
        made.append(COMPLAINT_RESOLVED)
    return made


def seed_contact_demo(*, now: datetime | None = None) -> str:
    """Automatic answers, agents, contacts, callbacks and complaints; a summary line."""
    now = now or timezone.now()
    faq = _faq()
    zhang = Customer.objects.filter(phone=DEMO_CUSTOMER_PHONE).first()
    if zhang is None:
        return f"contact: {faq} automatic answers added; no demo customer for contacts"
    li = Customer.objects.filter(phone=SECOND_CUSTOMER_PHONE).first()
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[*AGENTS, roles.BRAND_ADMIN], is_active=True
        )
    }
    profiles = _agents(users, now)
    made = [*_contacts(zhang, li, users, now), *_callbacks(zhang, li, now)]
    made += _complaints(zhang, li, users, now)
    statuses = dict.fromkeys(ContactStatus.values, 0)
    for status in Contact.objects.values_list("status", flat=True):
        statuses[status] += 1
    profiles = {name: AgentProfile.objects.get(pk=p.pk) for name, p in profiles.items()}
    available = [name for name, p in profiles.items() if p.status == AgentStatus.AVAILABLE]
    complaints = Complaint.objects.all()
    return (
        f"contact: {FaqEntry.objects.count()} automatic answers ({faq} new); agents "
        f"{', '.join(profiles)} (available: {', '.join(available) or 'none'}); "
        f"{Contact.objects.count()} contacts ({statuses[ContactStatus.QUEUED]} waiting or "
        f"booked, {statuses[ContactStatus.ASSIGNED]} with an agent, "
        f"{statuses[ContactStatus.CLOSED]} closed), {Callback.objects.count()} callbacks, "
        f"{complaints.count()} complaints ({complaints.filter(green=True).count()} green); "
        f"{len(made)} new"
    )
