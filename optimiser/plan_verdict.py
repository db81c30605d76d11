"""The one-line verdict a manager can take to a board: this year's posts in the order money reaches them, what
each needs of own money beyond the top-up budget in the future where it needs most, and the sentence itself."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from optimiser import constraints
from optimiser.plan_tables import PlanTables
from optimiser.words import joined, wte_list

OVER_BUDGET_GBP = 500.0
"""Own money above the top-up budget by less than this a year is rounding, not a warning."""
POST_WTE = 0.005
"""New WTE below this is no post (it shows as 0.0)."""
LATER_HIRING, IN_POST = 0, -1
"""What own money beyond the budget is charged to besides this year's posts (numbered from 1)."""


def money_words(gbp: float) -> str:
    """£5,225; £12.5k; £138k: to the pound below £10,000, then to three figures."""
    if abs(gbp) >= 100_000:
        return f"£{gbp / 1000:,.0f}k"
    if abs(gbp) >= 10_000:
        return f"£{gbp / 1000:,.1f}".removesuffix(".0") + "k"
    return f"£{gbp:,.0f}"


@dataclass(frozen=True)
class Post:
    """One of this year's new posts: its place in the order money reaches them, role and size."""

    number: int
    role: str
    wte: float


class PlanVerdict(PlanTables):
    def first_year_forecast(self) -> str:
        """Unspent ARRS this year, given when the first year's new posts start."""
        years, inputs = self._years, self.inputs
        first = years[years["year"] == inputs.years[0]]
        unspent = float((first["arrs_unspent_gbp_per_year"] * first["probability"]).sum())
        share = inputs.first_year_share
        start = f"new posts start after a {inputs.lead_time_months:g}-month recruitment lead time (in post {share * 12:g} of 12 months)"
        if inputs.lead_time_months == 0:
            start = "new posts are in post all year"
        said = f"This year ({inputs.years[0]}), {start}: {money_words(unspent)} of the ARRS sum would be left unspent"
        limits = self.limits()
        reasons = constraints.unspent_reasons(set(limits.loc[limits["year"] == inputs.years[0], "family"]))
        if unspent > OVER_BUDGET_GBP and reasons:
            said += f", as {joined(reasons)}"
        return said + "."

    def first_year_posts(self) -> list[Post]:
        """This year's new WTE as posts (of the policy's post size, the remainder a smaller post), most care per £ first.

        A post's care per £ is the plan's marginal value of its role's time (care per WTE-year, summed over the years
        and futures, part of the first year) over its expected discounted cost: the post last in the list is the one
        whose money does least, so it is the first to lose its funding.
        """
        return list(self._posts)

    @cached_property
    def _posts(self) -> list[Post]:
        inputs, model = self.inputs, self.model
        size = inputs.scenario.policy.post_size_wte
        value = dict.fromkeys(inputs.base.role_columns["role_name"], 0.0)
        for rows, block in model.row_blocks({"role_time"}):
            for i, r, (t, _) in zip(rows.tolist(), block.labels, block.periods):
                value[r] += abs(self.solution.marginal_care[i]) * (inputs.first_year_share if t == 0 else 1.0)
        cost = dict.fromkeys(value, 0.0)
        for (t, s), period in inputs.periods.items():
            for r in cost:
                cost[r] += inputs.probabilities[s] * period.discount_factor * period.cost_per_wte_gbp[r]
        posts = []
        for order, (r, (new, _)) in enumerate(self.first_year_decisions().items()):
            whole, rest = divmod(round(new, 6), size)
            sizes = [size] * int(whole) + ([rest] if rest > POST_WTE else [])
            posts += [(-round(value[r] / cost[r], 12) if cost[r] > 0 else 0.0, order, r, wte) for wte in sizes]
        return [Post(number, r, wte) for number, (*_, r, wte) in enumerate(sorted(posts, key=lambda p: p[:2]), start=1)]

    @cached_property
    def _post_charges(self) -> pd.DataFrame:
        """Own money beyond the top-up budget, per year and future that can happen, laid on what it pays for.

        The plan's own money beyond the budget in a year is charged from the margin back: first to staff the plan adds
        in later years beyond this year's posts (the future's own choice), then to this year's posts from the last
        back, then to staff in post. Each takes at most what it adds to own money that year: its whole cost where
        its ARRS funding pot is fully claimed, else only its cost above reimbursement. A role's WTE that year fills
        staff in post first, then this year's posts in order (kept filled as staff leave), then later growth.
        """
        inputs, model = self.inputs, self.model
        roles = inputs.base.role_columns
        decisions, posts = self._first_year, self._posts
        rows = []
        for row in self._years.itertuples():
            if row.own_money_over_budget_gbp_per_year <= 0:
                continue
            t = inputs.years.index(row.year)
            period = inputs.periods[t, row.future]
            per_wte = {r: period.cost_per_wte_gbp[r] if self._pot_fully_claimed(t, row.future, roles["funding_pot"][r])
                       else period.top_up_per_wte_gbp[r] for r in roles["role_name"]}
            stock = {r: self._var(model.stock[r, *model.key(t, row.future)]) for r in roles["role_name"]}
            kept = {r: roles["in_post_wte"][r] - decisions[r][1] for r in roles["role_name"]}  # the in-post band
            work = {}  # WTE-years each post works this year
            if t == 0:
                work = {p.number: p.wte * inputs.first_year_share for p in posts}
            else:
                filled = dict(kept)
                for p in posts:
                    work[p.number] = min(max(stock[p.role] - filled[p.role], 0.0), p.wte)
                    filled[p.role] += p.wte
            later = 0.0 if t == 0 else sum(per_wte[r] * max(stock[r] - kept[r] - decisions[r][0], 0.0) for r in stock)
            remaining = row.own_money_over_budget_gbp_per_year
            for post, need in [(LATER_HIRING, later), *((p.number, per_wte[p.role] * work[p.number]) for p in reversed(posts)),
                               (IN_POST, math.inf)]:
                charge = min(remaining, need)
                if charge > 0:
                    rows.append((row.future, row.year, post, charge))
                remaining -= charge
                if remaining <= 0:
                    break
        return pd.DataFrame(rows, columns=["future", "year", "post", "beyond_budget_gbp_per_year"])

    def posts(self) -> pd.DataFrame:
        """This year's posts in order, with the own money beyond the top-up budget each needs in the future where it
        needs most: from which year, how much then, and at most (by which year); no future where it needs none.
        Post 0 is the plan's later hiring, −1 staff in post (listed only when they need some)."""
        names, probabilities = self.inputs.base.role_columns["role_name"], self.inputs.probabilities
        needs: dict[int, dict[str, list[tuple[str, float]]]] = {}  # post → future → (year, £) in year order
        for future, year, post, amount in self._post_charges.itertuples(index=False):
            if amount > OVER_BUDGET_GBP:
                needs.setdefault(post, {}).setdefault(future, []).append((year, amount))
        items = [(p.number, p.role, names[p.role], p.wte) for p in self.first_year_posts()]
        items += [(n, "", name, math.nan) for n, name in ((LATER_HIRING, "later hiring"), (IN_POST, "staff in post")) if n in needs]
        rows = []
        for number, role, name, wte in items:
            mine = needs.get(number, {})
            row = {"post": number, "role": role, "role_name": name, "post_wte": wte, "future": "", "from_year": "",
                   "beyond_budget_then_gbp_per_year": 0.0, "beyond_budget_most_gbp_per_year": 0.0, "most_year": "", "other_futures": 0,
                   "probability_needed": 0.0}
            if mine:
                worst = max(mine, key=lambda s: (round(max(a for _, a in mine[s]), 2), probabilities[s]))
                most_year, most = max(mine[worst], key=lambda ya: ya[1])
                row |= {"future": worst, "from_year": mine[worst][0][0], "beyond_budget_then_gbp_per_year": mine[worst][0][1],
                        "beyond_budget_most_gbp_per_year": most, "most_year": most_year, "other_futures": len(mine) - 1,
                        "probability_needed": sum(probabilities[s] for s in mine)}
            rows.append(row)
        return pd.DataFrame(rows, columns=["post", "role", "role_name", "post_wte", "future", "from_year", "beyond_budget_then_gbp_per_year",
                                           "beyond_budget_most_gbp_per_year", "most_year", "other_futures", "probability_needed"])

    def verdict(self) -> str:
        """One line for a board: what to hire now, which of those posts stay affordable in every future, and what the
        first one that does not needs, from which year, in which future (derived in `_post_charges`)."""
        names = self.inputs.base.role_columns["role_name"]
        decisions = self.first_year_decisions()
        hires = sorted(((new, r) for r, (new, _) in decisions.items() if new > POST_WTE), reverse=True)
        cuts = [(cut, r) for r, (_, cut) in decisions.items() if cut > POST_WTE]
        what = f"Hiring {wte_list(hires, names)} now" if hires else "Hiring no one new now"
        if cuts:
            what += f" (and reducing {wte_list(cuts, names)})"
        table = self.posts()
        short = table[table["future"] != ""]
        every = "in every future" if len(self.inputs.futures) > 1 else "in every year of the forecast"
        posts = table[table["post"] > 0]
        unaffordable = short[short["post"] > 0]
        if unaffordable.empty:
            said = f"{what} stays within the top-up budget {every}" if not posts.empty else what
            if posts.empty and short.empty:
                said += f": staff in post stay within the top-up budget {every}"
        else:
            first = unaffordable.iloc[0]
            before = posts[posts["post"] < first["post"]]
            after = unaffordable.iloc[1:]
            if before.empty:
                said = f"{what}: even the first post, {_post_words(first, names)}, needs {self._need_words(first)}"
            else:
                group = wte_list(_by_role(before), names)
                count = "the first post" if len(before) == 1 else f"the first {len(before)} posts"
                said = (f"{what}: {count} ({group}) {'stays' if len(before) == 1 else 'stay'} within the top-up budget {every}; "
                        f"the {_ordinal(int(first['post']))}, {_post_words(first, names)}, needs {self._need_words(first)}")
            if not after.empty:
                said += (f"; the {len(after)} post{'s' if len(after) > 1 else ''} after it need{'' if len(after) > 1 else 's'} "
                         f"up to {money_words(after['beyond_budget_most_gbp_per_year'].sum())} a year more")
        for number, whose in ((LATER_HIRING, "the plan's later hiring beyond this year's posts"), (IN_POST, "staff in post")):
            rest = short[short["post"] == number]
            if not rest.empty:
                said += f"; {whose} need{'s' if number == LATER_HIRING else ''} {self._need_words(rest.iloc[0])}"
        return said + "."

    def _need_words(self, row) -> str:
        """'£41k of own money a year beyond the top-up budget from 2028/29 if pay awards are not funded (chance 40%)'."""
        said = (f"{money_words(row['beyond_budget_then_gbp_per_year'])} of own money a year beyond the top-up budget "
                f"from {row['from_year']}")
        if row["beyond_budget_most_gbp_per_year"] - row["beyond_budget_then_gbp_per_year"] > OVER_BUDGET_GBP:
            said += f", rising to {money_words(row['beyond_budget_most_gbp_per_year'])} by {row['most_year']},"
        if len(self.inputs.futures) == 1:
            return said.rstrip(",")
        others = int(row["other_futures"])
        also = (f"; also in {others} other future{'s' if others > 1 else ''}, {row['probability_needed']:.0%} chance in all"
                if others else "")
        return f"{said} {self.inputs.if_future(row['future'], also)}"


def _by_role(posts: pd.DataFrame) -> list[tuple[float, str]]:
    wte = posts.groupby("role", sort=False)["post_wte"].sum()
    return sorted(((w, r) for r, w in wte.items()), reverse=True)


def _post_words(post, names: dict[str, str]) -> str:
    return wte_list([(post["post_wte"], post["role"])], names)


def _ordinal(n: int) -> str:
    words = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
    if n <= len(words):
        return words[n - 1]
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
