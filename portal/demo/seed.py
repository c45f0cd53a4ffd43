"""Demo data: the brief's story (a seller's high-value parcel with cover) plus enough other orders
across carriers, insurers and destinations to make the lists look real.

The story is told relative to ``now`` (the CLI passes the clock, tests pin it), and its parcel is
dispatched long enough ago to be stalled by its carrier's own rule on that date, peak seasons
included, so the work queue opens with it on any day.

Passwords are random, written once to ``instance/demo-logins.txt`` (mode 600) and printed at start.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from ..advances.services import AdvanceRefused, Staff, request_advance
from ..audit.services import Actor
from ..auth.models import ApiToken, User
from ..auth.services import create_token, create_user
from ..claims.services import ClaimRefused, create_claim, make_pack
from ..clock import to_local
from ..cover.models import Cover
from ..documents import render_pdf
from ..errors import ValidationFailed
from ..extensions import db
from ..inquiries import services as inquiries
from ..inquiries.services import InquiryRefused, open_inquiry
from ..inquiries.validation import InquiryInput
from ..orders.models import Order
from ..orders.services import create_order, quiet_deadline
from ..plugin_engine import registry
from ..tracking.services import IncomingEvent, ingest

DEMO_STAFF = (
    ("li.na", "Li Na", "agent"),
    ("zhou.min", "Zhou Min", "agent"),
    ("chen.wei", "Chen Wei", "supervisor"),
    ("admin", "Desk Administrator", "admin"),
)

#: (code, name, e-mail, postal address, phone): the claimant on claim forms.
SELLERS = (
    (
        "PRG001",
        "Pearl River Gadgets",
        "ops@pearlriver-gadgets.example",
        "Room 1203, Block B, Tian'an Cyber Park\n36 Tairan 4th Road, Futian District\nShenzhen, Guangdong 518040\nChina",
        "+86 755 2345 6789",
    ),
    (
        "SZL014",
        "Shenzhen Lumen Lighting",
        "orders@szlumen.example",
        "5F, Building 3, Xinghe Industrial Park\nLonghua District\nShenzhen, Guangdong 518110\nChina",
        "+86 755 8612 3400",
    ),
    (
        "HKT203",
        "Harbour Kite Toys",
        "hello@harbourkite.example",
        "Unit 7, 12/F, Kwun Tong Industrial Centre\n472 Kwun Tong Road\nKowloon, Hong Kong",
        "+852 2345 6780",
    ),
    (
        "YWS550",
        "Yiwu Silk Studio",
        "studio@yiwusilk.example",
        "No. 88 Chouzhou North Road, Futian Street\nYiwu, Zhejiang 322000\nChina",
        "+86 579 8552 1010",
    ),
    (
        "DGC077",
        "Dongguan Ceramics Co.",
        "sales@dgceramics.example",
        "18 Dongcheng Avenue, Dongcheng District\nDongguan, Guangdong 523000\nChina",
        "+86 769 2288 4411",
    ),
    (
        "GZB310",
        "Guangzhou Beauty Lab",
        "lab@gzbeauty.example",
        "Room 605, 233 Tianhe North Road\nTianhe District\nGuangzhou, Guangdong 510620\nChina",
        "+86 20 3888 2020",
    ),
)
#: The story parcel's buyer: the consignee the claim and the trace request name.
STORY_RECIPIENT = {"name": "Jordan Avery", "address": "1200 Harbor Boulevard, Apt 4B\nOakland, CA 94607\nUnited States"}

# (carrier, service, tracking number maker)
ROUTES = (
    ("fourpx", "fourpx_c", lambda n: f"4PX{3000000000000 + n:013d}CN"),
    ("fourpx", "global_direct", lambda n: f"4PX{3100000000000 + n:013d}CN"),
    ("swiftwing", "express_worldwide", lambda n: f"{7100000000 + n:010d}"),
    ("swiftwing", "economy_express", lambda n: f"{7200000000 + n:010d}"),
    ("harbourpost", "registered_air", lambda n: s10("RR", 10000000 + n, "CN")),
    ("harbourpost", "ems", lambda n: s10("EE", 20000000 + n, "CN")),
)

GOODS = (
    ("Wireless earbuds, 2 pairs", "electronics", (60, 400)),
    ("LED desk lamp", "home", (25, 120)),
    ("Silk scarf, hand-painted", "apparel", (40, 260)),
    ("Porcelain tea set", "home", (80, 600)),
    ("Remote-control stunt kite", "toys", (30, 150)),
    ("Skin-care gift box", "cosmetics", (35, 180)),
    ("Mechanical keyboard", "electronics", (90, 320)),
    ("Running shoes", "apparel", (45, 160)),
)
DESTINATIONS = ("US", "GB", "DE", "FR", "AU", "CA", "JP", "NL", "ES", "IT", "BR", "SE")


def s10(prefix: str, serial: int, country: str) -> str:
    """A UPU S10 item number with its check digit."""
    digits = f"{serial:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=False))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return f"{prefix}{digits}{check}{country}"


def credentials_file(instance_path: str) -> Path:
    return Path(instance_path) / "demo-logins.txt"


#: The story's parcel: how long ago it left at the least (the seller's "two weeks"), and the
#: days after dispatch of its last scan (it went quiet the next day).
STORY_DISPATCHED_DAYS_AGO = 14
STORY_LAST_SCAN_DAY = 1


def load_demo(now: datetime, *, if_empty: bool = False) -> str:
    """Load the demo data as of ``now``; with ``if_empty`` only into a database without orders."""
    from flask import current_app

    if if_empty and db.session.scalar(select(func.count(Order.id))):
        return ""
    actor = Actor.system("demo data")
    lines = []

    for username, name, role in DEMO_STAFF:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            password = secrets.token_urlsafe(12)
            create_user(username, name, role, password, actor)
            lines.append(f"  {role:<11} {username:<10} {password}")

    if db.session.scalar(select(ApiToken.id).where(ApiToken.name == "demo-ordering-system")) is None:
        _, secret = create_token("demo-ordering-system", actor)
        lines.append(f"  API token   demo-ordering-system  {secret}")
    count = _demo_orders(actor, now)
    _demo_inquiry(Actor("user", "demo", "Li Na (demo)"), now)
    _demo_claim(now)
    db.session.commit()
    if lines:
        path = credentials_file(current_app.instance_path)
        with path.open("a") as out:
            out.write("\n".join(lines) + "\n")
        path.chmod(0o600)
    return f"{count} orders, {len(lines)} new logins/tokens"


def _demo_inquiry(actor: Actor, now: datetime) -> None:
    """A seller has asked about one quiet parcel (Jade Harbour's grace periods start only when the
    carrier answers, so it waits on the queue behind the story, ranked by value)."""

    plugins = registry()
    candidates = db.session.scalars(
        select(Order)
        .join(Cover, Cover.order_id == Order.id)
        .where(Cover.insurer_code == "jadeharbour", Order.stalled_from <= now, Order.order_no != "PRG-2026-0917")
        .order_by(Order.order_no)
    ).unique()
    for order in candidates:
        try:
            open_inquiry(
                plugins,
                order,
                InquiryInput(
                    "not_arrived", "email", to_local(now).date(), "My buyer says the parcel never came. Can you check?"
                ),
                actor,
                now=now,
            )
        except InquiryRefused:
            continue  # too early for this carrier's trace
        return


def _demo_claim(now: datetime) -> None:
    """Another quiet parcel worked all the way: evidence in and accepted, a Lanternfish claim with
    its pack, and an advance the agent asked for that waits for the supervisor's approval."""
    import hashlib
    import io

    from PIL import Image

    plugins = registry()
    agent = db.session.scalar(select(User).where(User.username == "li.na"))
    actor = Actor("user", str(agent.id), agent.username)
    candidates = db.session.scalars(
        select(Order)
        .join(Cover, Cover.order_id == Order.id)
        .where(
            Cover.insurer_code == "lanternfish",
            Order.stalled_from <= now,
            Order.dispatched_at <= now - timedelta(days=16),
            Order.order_no != "PRG-2026-0917",
        )
        .order_by(Order.order_no)
    ).unique()

    def document(kind: str):
        if kind in ("dispute_screenshots", "recipient_statement", "damage_photos"):
            buffer = io.BytesIO()
            Image.new("RGB", (480, 320), (236, 240, 244)).save(buffer, "PNG")
            return buffer.getvalue(), "image/png", f"{kind.replace('_', '-')}.png"
        return (
            render_pdf(f"<h1>{kind.replace('_', ' ').capitalize()}</h1><p>Demo document.</p>"),
            "application/pdf",
            f"{kind.replace('_', '-')}.pdf",
        )

    today = to_local(now).date()
    for order in candidates:
        try:
            inquiry = inquiries.open_inquiry(
                plugins,
                order,
                InquiryInput("not_arrived", "marketplace", today, "The buyer opened a not-received case."),
                actor,
                now=now,
            )
        except inquiries.InquiryRefused:
            continue
        inquiries.request_trace(inquiry, f"TR-{order.id:06d}", actor, now=now)
        inquiries.record_answer(inquiry, "lost", actor, now=now)
        for item in inquiry.items:
            if not item.generated:
                data, media_type, name = document(item.kind)
                inquiries.attach(
                    inquiry,
                    item.kind,
                    inquiries.IncomingFile(data, hashlib.sha256(data).hexdigest(), media_type, name),
                    actor,
                    source="upload",
                    now=now,
                )
        if any(item.kind == "loss_letter" for item in inquiry.items):
            letter_format = plugins.carrier(order.carrier_code).loss_letter_format
            inquiries.confirm_letter(
                plugins,
                inquiry,
                tracking_no=order.tracking_no,
                outcome="lost",
                case_reference=letter_format.reference_example if letter_format else "",
                found_on=today,
                liability=order.declared,
                actor=actor,
            )
        for item in inquiry.items:
            inquiries.review_item(inquiry, item.kind, "accept", actor, now=now)
        inquiries.mark_ready(inquiry, actor, now=now)
        try:
            claim = create_claim(plugins, inquiry, actor, now=now)
            make_pack(plugins, claim, actor, now=now)
            request_advance(
                plugins, claim, claim.claimed_amount, claim.currency, Staff(agent.id, actor, False), now=now
            )
        except (ClaimRefused, AdvanceRefused):
            continue  # refused before writing anything: try the next parcel
        return


def _demo_orders(actor: Actor, now: datetime) -> int:
    plugins = registry()
    rng = random.Random(20261124)
    created = 0

    def add(payload: dict, bought_at: datetime, dispatched: datetime | None, quiet: bool = False) -> None:
        # Ordered (and covered) at ``bought_at``; the dispatch time comes from the handover scan.
        nonlocal created
        try:
            result = create_order(plugins, payload, actor, source="demo", now=bought_at)
        except ValidationFailed:
            # A random combination an insurer refuses: a real desk would sell no cover; so do we.
            payload.pop("cover", None)
            result = create_order(plugins, payload, actor, source="demo", now=bought_at)
        if result.created:
            created += 1
            _demo_tracking(plugins, result.order, dispatched, actor, rng, now, quiet)

    # The story: a high-value parcel with cover, dispatched two weeks ago (longer in a peak season).
    dispatched = story_dispatch(plugins, now)
    add(
        {
            "order_no": "PRG-2026-0917",
            "seller": _seller(SELLERS[0]),
            "recipient": STORY_RECIPIENT,
            "carrier": "fourpx",
            "service": "fourpx_c",
            "tracking_no": "4PX3000000009170CN",
            "destination_country": "US",
            "declared_value": "1850.00",
            "currency": "USD",
            "contents": "Drone with 4K camera and two spare batteries fitted",
            "category": "electronics",
            "cover": {"insurer": "lanternfish", "insured_value": "1850.00"},
        },
        dispatched - timedelta(hours=6),
        dispatched,
        quiet=True,
    )

    for n in range(1, 72):
        seller = SELLERS[n % len(SELLERS)]
        code = seller[0]
        carrier, service, tracking = ROUTES[n % len(ROUTES)]
        contents, category, (low, high) = GOODS[rng.randrange(len(GOODS))]
        destination = DESTINATIONS[rng.randrange(len(DESTINATIONS))]
        value = f"{rng.randint(low, high * 4)}.{rng.choice(('00', '50', '99'))}"
        age = timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
        bought_at = now - age
        payload = {
            "order_no": f"{code[:3]}-2026-{1000 + n:04d}",
            "seller": _seller(seller),
            "carrier": carrier,
            "service": service,
            "tracking_no": tracking(n),
            "destination_country": destination,
            "declared_value": value,
            "currency": "USD",
            "contents": contents,
            "category": category,
        }
        # Most parcels left the warehouse the night they were ordered; the newest wait.
        dispatched = bought_at + timedelta(hours=8) if age > timedelta(days=1) else None
        if rng.random() < 0.6:
            insurer = "jadeharbour" if destination in ("BR",) or rng.random() < 0.4 else "lanternfish"
            payload["cover"] = {"insurer": insurer, "insured_value": value}
        add(payload, bought_at, dispatched, quiet=rng.random() < 0.35)
    return created


def _seller(row: tuple) -> dict:
    code, name, email, address, phone = row
    return {"code": code, "name": name, "email": email, "address": address, "phone": phone}


def story_dispatch(plugins, now: datetime) -> datetime:
    """When the story's parcel left: two weeks ago, or as much longer as its carrier's stall
    threshold on that date needs for it to be stalled by ``now`` with a day to spare."""
    days_ago = STORY_DISPATCHED_DAYS_AGO
    while True:
        dispatched = now - timedelta(days=days_ago, hours=3)
        last_scan = dispatched + timedelta(days=STORY_LAST_SCAN_DAY)
        stalled_from = quiet_deadline(plugins, "fourpx", "fourpx_c", "US", dispatched, last_scan)
        if stalled_from is None or stalled_from <= now - timedelta(days=1):
            return dispatched
        days_ago += 1


def _demo_tracking(
    plugins, order, start: datetime | None, actor: Actor, rng: random.Random, now: datetime, quiet: bool
) -> None:
    """The warehouse's scans and the carrier's events from the dispatch at ``start``; a quiet parcel
    stops hearing after a few days."""
    if start is None:
        return
    events = [
        IncomingEvent(
            start - timedelta(hours=6),
            None,
            "info_received",
            None,
            "Picked up at the seller's door",
            "Shenzhen",
            "pickup",
        ),
        IncomingEvent(
            start - timedelta(hours=3),
            None,
            "in_transit",
            None,
            "Scanned in at the processing centre",
            "Shenzhen processing centre",
            "intake",
        ),
        IncomingEvent(start, None, "in_transit", None, "Handed over to the carrier", "Shenzhen", "dispatch"),
    ]
    age = (now - start).days
    hops = [
        (1, "Departed the country of origin", "Shenzhen Bao'an Airport"),
        (3, "Arrived in the destination country", order.destination_country),
        (5, "Cleared customs", order.destination_country),
    ]
    for day, text, place in hops:
        if day < age and not (quiet and day > 2):
            events.append(
                IncomingEvent(
                    start + timedelta(days=day, hours=rng.randint(0, 12)), None, "in_transit", None, text, place
                )
            )
    if not quiet and age > 8:
        events.append(
            IncomingEvent(
                start + timedelta(days=7, hours=rng.randint(0, 8)),
                None,
                "delivered",
                None,
                "Delivered",
                order.destination_country,
            )
        )
    ingest(plugins, order, events, source="demo", actor=actor, now=now)
