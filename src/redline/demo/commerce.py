"""The commerce side of the demo community: merchants, their products, product notes and orders.

Added to a generated community (`generate_community`) when it is large enough to race:
- merchants (`shopNNNN`, has_shop) in a few categories, from a strong shop that converts well to
  weak ones that hardly sell; each has priced products and notes carrying them — most attached
  at publication, one attached days later (its earlier reads stay community reach);
- low-price diversion products (引流款) in the weakest shops of the first category: ¥0.1 with a
  WeChat cue in its description, ¥1, and ¥5.9;
- `duo0001`, a creator that both posts and sells (耗电一体) with a weak shop: its product notes
  get a trickle of commerce reach next to its community notes;
- `teen0001`, an account with a teen audience, one of whose notes was published at 23:10.

Sales are order events with amounts on product notes; visits are reads. Product attachments are
written as link records (note, product or null, time) and go through the same ingestion as the
rest (`redline products load` / `redline products links`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the builder lives in community.py, which imports this module lazily
    from redline.demo.community import Community, _Builder

KIND_NAMES = {"merchant": "商家", "duo": "耗电一体", "teen": "青少年"}
MERCHANT_CATEGORIES = ("美妆", "母婴", "数码")
PRODUCTS = {
    "美妆": [("氨基酸洁面乳", 69.0), ("水润保湿面霜", 159.0), ("持妆粉底液", 239.0)],
    "母婴": [("婴儿纯棉连体衣", 89.0), ("宝宝辅食研磨碗", 49.0), ("轻便婴儿推车", 699.0)],
    "数码": [("蓝牙降噪耳机", 299.0), ("平板保护壳", 59.0), ("65W 氮化镓充电器", 129.0)],
}
PRODUCT_DESCRIPTION = "{title}，正品保障，七天无理由退换，下单后 48 小时内发货。"
# Low-price listings (引流款) of the weakest shops of the first category: (title, price, description).
LOW_PRICE = (
    ("试用装小样 福利", 0.1, "0.1 元试用装，数量有限，拍下后加 vx：shop2024 发你更多福利。"),
    ("一元体验装", 1.0, "一元体验装，每人限购一件，正品小样。"),
    ("旅行装便携小样", 5.9, "旅行装便携小样，出差旅行随身带。"),
)
PRODUCT_NOTE_BODY = (
    "{title}用了 {days} 天来说说真实感受：做工和描述一致，细节处理得不错，包装也很用心。"
    "优点是日常够用、价格在同类里中等；缺点是颜色选择少一些。店里有详细参数，按需选择。"
)


@dataclass(frozen=True, slots=True)
class MerchantPlan:
    account_id: str
    category: str
    strength: float  # 0–1: how much commerce traffic its notes draw and how well it converts


def merchants_per_category(accounts: int) -> int:
    """Merchants per category for a community of `accounts` creators: none below 20 (small test
    communities stay creators only), then a quarter of the accounts, at most 10."""
    return 0 if accounts < 20 else min(10, accounts // 4)


def add_commerce(b: "_Builder", community: "Community", per_category: int) -> None:
    """Append merchants, products, product notes, links and their events to `community`."""
    if per_category < 1:
        return
    rng = np.random.default_rng(b.seed + 1_000_003)  # own stream: the creators' draws stay as they were
    state = _State(b, community, rng)
    number = 0
    for category in MERCHANT_CATEGORIES:
        for rank in range(per_category):
            number += 1
            # Strength falls off with rank: the first shop of a category converts several times
            # better than the last, so the horse race has a clear head.
            strength = 0.8 ** rank
            plan = MerchantPlan(f"shop{number:04d}", category, strength)
            state.account(plan.account_id, f"{category}好物店{rank + 1}", category, has_shop=True, account_type="merchant")
            products = [state.product(plan.account_id, category, title, price) for title, price in PRODUCTS[category][: 2 if rank else 3]]
            if category == MERCHANT_CATEGORIES[0] and rank >= per_category - len(LOW_PRICE):
                title, price, description = LOW_PRICE[per_category - 1 - rank]
                products.append(state.product(plan.account_id, category, title, price, description))
            last_offset = (community.last_day - community.first_day).days
            for position, product in enumerate(products):
                if position == 1:  # one note per shop is published first and attached two days later
                    offset = int(rng.integers(0, max(1, last_offset - 1)))
                    state.product_note(plan, product, offset_days=offset, attach_after_days=2)
                else:
                    state.product_note(plan, product, offset_days=int(rng.integers(0, 4)) + position, attach_after_days=0)
    state.duo(MERCHANT_CATEGORIES[0])
    state.teen()


class _State:
    def __init__(self, b: "_Builder", community: "Community", rng: np.random.Generator):
        self.b, self.community, self.rng = b, community, rng
        self.products: dict[str, dict[str, Any]] = {}
        self.notes = 0

    # -- entities ---------------------------------------------------------------------------

    def account(self, account_id: str, nickname: str, category: str, *, has_shop: bool = False, teen: bool = False, account_type: str = "personal", kind: str = "merchant") -> None:
        rng, first_day, zone = self.rng, self.community.first_day, self.b.zone
        followers = int(np.clip(rng.lognormal(7.8, 0.6), 500, 9_500))
        self.community.accounts.append({
            "id": account_id, "nickname": nickname, "account_type": account_type, "followers": followers,
            "categories": [category], "credentials": [], "fan_interests": {category: 0.8},
            "has_shop": has_shop, "teen_audience": teen,
            "created_at": datetime.combine(first_day - timedelta(days=int(rng.integers(200, 900))), time(10), zone).astimezone(timezone.utc).isoformat(),
        })
        self.community.kinds[account_id] = kind
        # Fans: follow before the window, about half of them log in on a given day.
        n_fans = 20
        fans = np.asarray([f"fan-{account_id}-{k}" for k in range(n_fans)], dtype=object)
        self.b.add("follow", self.b.moments(first_day - timedelta(days=30), n_fans), fans.tolist(), account_id=account_id)
        days = (self.community.last_day - first_day).days + 1
        for offset in range(-28, days):
            who = fans[rng.random(n_fans) < 0.45]
            self.b.add("login", self.b.moments(first_day + timedelta(days=offset), len(who)), who.tolist())

    def product(self, account_id: str, category: str, title: str, price: float, description: str | None = None) -> dict[str, Any]:
        product_id = f"prod{len(self.products) + 1:04d}"
        created = datetime.combine(self.community.first_day - timedelta(days=20), time(9), self.b.zone).astimezone(timezone.utc)
        row = {"id": product_id, "account_id": account_id, "title": title, "description": description or PRODUCT_DESCRIPTION.format(title=title),
               "category": category, "price": price, "created_at": created.isoformat()}
        self.community.products.append(row)
        self.products[product_id] = row
        return row

    def note(self, account_id: str, category: str, title: str, body: str, published: int) -> str:
        self.notes += 1
        note_id = f"pnote{self.notes:04d}"
        self.community.notes.append({
            "id": note_id, "account_id": account_id, "title": title, "body": body, "category": category,
            "note_type": "normal", "video_seconds": None, "dynamic_cover": False, "disclosed": False,
            "published_at": datetime.fromtimestamp(published, timezone.utc).isoformat(),
        })
        return note_id

    def link(self, note_id: str, product_id: str | None, at: int) -> None:
        self.community.product_links.append({"note_id": note_id, "product_id": product_id, "at": datetime.fromtimestamp(at, timezone.utc).isoformat()})

    # -- notes ------------------------------------------------------------------------------

    def _publish_moment(self, offset_days: int) -> tuple[int, int]:
        last = (self.community.last_day - self.community.first_day).days
        offset = min(offset_days, last)
        day = self.community.first_day + timedelta(days=offset)
        return int(self.b.moments(day, 1)[0]), offset

    def product_note(self, plan: MerchantPlan, product: dict[str, Any], offset_days: int, attach_after_days: int,
                     commerce_base: float | None = None, conversion: float | None = None) -> str:
        published, offset = self._publish_moment(offset_days)
        title = f"{product['title']}真实体验"
        body = PRODUCT_NOTE_BODY.format(title=product["title"], days=int(self.rng.integers(5, 30)))
        note_id = self.note(plan.account_id, plan.category, title, body, published)
        attach_at = published + attach_after_days * 86_400 + 3_600 if attach_after_days else published
        if attach_at > self.b.midnight(self.community.last_day) + 86_399:
            attach_at = published  # too late in the window to attach afterwards: attach at publication
        self.link(note_id, product["id"], attach_at)
        base = commerce_base if commerce_base is not None else 10 + 60 * plan.strength
        rate = conversion if conversion is not None else 0.005 + 0.08 * plan.strength
        self._life(note_id, published, base, community_base=45, attach_at=attach_at, conversion=rate, price=float(product["price"]))
        return note_id

    def community_note(self, account_id: str, category: str, title: str, body: str, published: int, base: float = 60) -> str:
        note_id = self.note(account_id, category, title, body, published)
        self._life(note_id, published, 0, community_base=base, attach_at=None, conversion=0.0, price=0.0)
        return note_id

    def _life(self, note_id: str, published: int, commerce_base: float, community_base: float, attach_at: int | None, conversion: float, price: float) -> None:
        """Impressions, reads, dwell, interaction and orders day by day. Before its product is
        attached a note draws community reach; afterwards commerce reach, and orders."""
        b, rng = self.b, self.rng
        publish_day = datetime.fromtimestamp(published, b.zone).date()
        for age in range((self.community.last_day - publish_day).days + 1):
            day = publish_day + timedelta(days=age)
            day_end = b.midnight(day) + 86_400
            commerce = attach_at is not None and attach_at < day_end
            base = commerce_base if commerce else community_base
            n = int(rng.poisson(base * (0.8 ** age) + 3))
            ts = b.moments(day, n)
            ts = np.where(ts < published, published + (published - ts) // 10 + 1, ts)
            if commerce and attach_at is not None:
                ts = np.where(ts < attach_at, attach_at + (attach_at - ts) // 10 + 1, ts)
            viewers = np.asarray([f"v-{note_id}-{age}-{j}" for j in range(n)], dtype=object)
            b.add("impression", ts, viewers.tolist(), note_id=note_id)
            reads = rng.random(n) < 0.25
            r_ts, r_users = ts[reads] + rng.integers(1, 30, size=int(reads.sum())), viewers[reads]
            m = len(r_ts)
            b.add("read", r_ts, r_users.tolist(), note_id=note_id)
            b.add("dwell", r_ts + 2, r_users.tolist(), note_id=note_id, seconds=np.minimum(rng.gamma(4.0, 12.0, size=m), 1800.0).round(1).tolist())
            for kind, rate in (("like", 0.035), ("save", 0.02), ("comment", 0.008)):
                hit = rng.random(m) < rate
                b.add(kind, r_ts[hit] + rng.integers(5, 120, size=int(hit.sum())), r_users[hit].tolist(), note_id=note_id)
            if commerce and conversion > 0:
                hit = rng.random(m) < conversion
                quantity = rng.integers(1, 3, size=int(hit.sum()))
                b.add("order", r_ts[hit] + 60, r_users[hit].tolist(), note_id=note_id, amount=(quantity * price).round(2).tolist())

    # -- special accounts -------------------------------------------------------------------

    def duo(self, category: str) -> None:
        """耗电一体: posts like a creator and sells from a weak shop on the same account."""
        account_id = "duo0001"
        self.account(account_id, f"{category}博主兼店主", category, has_shop=True, account_type="professional", kind="duo")
        plan = MerchantPlan(account_id, category, 0.05)
        titles = ("秋冬护肤步骤分享", "通勤妆十分钟教程", "空瓶记：这半年用完的护肤品")
        for position, title in enumerate(titles):
            published, _ = self._publish_moment(position * 3)
            body = PRODUCT_NOTE_BODY.replace("{title}用了", f"{title}：这套方法坚持了").format(title=title, days=int(self.rng.integers(10, 40)))
            self.community_note(account_id, category, title, body, published)
        for position, (title, price) in enumerate(PRODUCTS[category][:2]):
            product = self.product(account_id, category, f"自营{title}", price)
            # A weak shop: its notes draw a trickle of commerce traffic and seldom convert.
            self.product_note(plan, product, offset_days=1 + position * 4, attach_after_days=0, commerce_base=8, conversion=0.004)

    def teen(self) -> None:
        """A teen-audience account; one note was published at 23:10 local time."""
        account_id = "teen0001"
        category = "美食"
        self.account(account_id, "中学生美食日记", category, teen=True, kind="teen")
        last = self.community.last_day
        first = max(self.community.first_day, last - timedelta(days=3))
        day_moment = int(datetime.combine(first, time(17, 30), self.b.zone).timestamp())
        night_moment = int(datetime.combine(last, time(23, 10), self.b.zone).timestamp())
        body = "放学后做的{title}，步骤很简单：准备好食材，按顺序下锅，十五分钟就能完成。记得请家长在旁边看着用火。"
        self.community_note(account_id, category, "放学后的番茄鸡蛋面", body.format(title="番茄鸡蛋面"), day_moment, base=120)
        self.community_note(account_id, category, "周末做的水果酸奶杯", body.format(title="水果酸奶杯"), night_moment, base=120)
