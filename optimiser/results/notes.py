"""What a reader should know beside the binding limits, in sentences: figures not yet confirmed, roles recruited
with no limit, categories left unmet while able staff work elsewhere, and why ARRS or top-up money is unspent."""

from __future__ import annotations

import pandas as pd

from optimiser import constraints
from optimiser.catalogue import POT_NAMES
from optimiser.results.answer_tables import AnswerTables
from optimiser.results.sentences import IN_POST_BEYOND_ARRS_SETTING
from optimiser.words import in_sentence


class Notes(AnswerTables):
    """A solved model's tables, with the notes that go beside them."""

    def notes(self) -> list[str]:
        """What a reader should know beside the binding limits: roles recruited with no limit set, top-up left unspent."""
        notes = list(self.inputs.warnings)
        if sum(self.inputs.in_post_beyond_arrs_gbp.values()) > 0:
            notes.append(IN_POST_BEYOND_ARRS_SETTING)  # the fact itself follows the answer (answer_in_words)
        mix = self.mix()
        notes += self._provisional_figures(mix)
        unlimited = mix[(mix["new_wte"] > 1e-6) & (self.inputs.allowed_roles["max_new_wte"].reindex(mix.index) == float("inf"))]
        if len(unlimited):
            notes.append(f"No recruitment limit was set for {', '.join(map(in_sentence, unlimited['role_name']))}: the answer assumes you can "
                         "recruit the WTE shown (set roles.<role>.max_new_wte if you cannot).")
        notes += self._capacity_used_elsewhere()
        notes += self.unspent_money()
        own = mix[mix["own_funded_wte"] > 1e-6]
        if len(own):
            posts = ", ".join(f"{row['own_funded_wte']:.2f} WTE {in_sentence(row['role_name'])}" for _, row in own.iterrows())
            notes.append(f"The ARRS sum is not enough for the whole mix: the PCN pays {posts} wholly from its top-up "
                         "budget (full cost, no ARRS claim).")
        return notes

    def _provisional_figures(self, mix: pd.DataFrame) -> list[str]:
        """Say when the answer rests on figures not yet confirmed for the year, and how to correct one."""
        roles = mix.index[mix["max_reimbursable_status"] == "provisional"]
        pots = [pot for pot, row in self.inputs.funding.iterrows() if row["status"] == "provisional" and not row["sum_is_given"]]
        if not len(roles) and not pots:
            return []
        parts = []
        if len(roles):
            parts.append(f"the maximum reimbursable amounts of {', '.join(map(in_sentence, mix.loc[roles, 'role_name']))}")
        parts += [f"the £{self.inputs.funding.at[pot, 'gbp_per_weighted_patient']:.3f} per weighted patient of the "
                  f"{POT_NAMES.get(pot, pot)}" for pot in pots]
        return [f"{self.scenario.year} figures are provisional: {' and '.join(parts)} rest on pay awards and a pool not yet "
                "confirmed for ARRS. Where your ICB's notice differs, set roles.<role>.max_reimbursable_gbp or money.arrs_sum_gbp."]

    def unspent_money(self) -> list[str]:
        """Why ARRS and top-up money is left unspent, a sentence for each: the notes and the board report say the same."""
        sentences = self._why_arrs_is_unspent()
        staff_top_up, rent = self._top_up
        top_up_left = self.inputs.top_up_budget_gbp - staff_top_up - rent
        if top_up_left > 1 and "top_up_budget" not in {self.model.registry[i].family for i in self._binding_rows}:
            sentences.append(f"£{top_up_left:,.0f} of the top-up budget is unspent: more staff would add no care within the "
                             "rooms, recruitment limits and needs shown, so it is kept.")
        return sentences

    def _why_arrs_is_unspent(self) -> list[str]:
        """ARRS left unclaimed is lost to the PCN, so say what stops the mix from using it."""
        unspent = {pot: total - claimed for pot, (total, claimed) in self._claims_by_pot.items() if total - claimed > 1}
        if not unspent:
            return []
        reasons = constraints.unspent_reasons({self.model.registry[i].family for i in self._binding_rows})
        because = "; ".join(reasons) or self._no_post_small_enough(sum(unspent.values())) or "no more care can be bought with it"
        amounts = ", ".join(f"£{gbp:,.0f} of the {POT_NAMES.get(pot, pot)}" for pot, gbp in unspent.items())
        return [f"{amounts} is unspent (lost to the PCN) because {because}."]

    def _no_post_small_enough(self, unspent_gbp: float) -> str | None:
        """Where no limit binds and nothing is recruited, the minimum post size may be why: every new post would cost the
        PCN more than the ARRS and top-up left (the marginal values keep which roles recruit fixed, so they cannot say)."""
        policy, roles = self.scenario.policy, self.inputs.allowed_roles
        if policy.min_post_wte <= 0 or policy.whole_posts or (self.mix()["new_wte"] > 1e-6).any():
            return None
        open_roles = roles[roles["max_new_wte"] >= policy.min_post_wte]
        if open_roles.empty:
            return None
        cost = policy.min_post_wte * (open_roles["cost_per_wte_gbp"] - open_roles["co_funder_per_wte_gbp"])
        staff_top_up, rent = self._top_up
        left = unspent_gbp + max(self.inputs.top_up_budget_gbp - staff_top_up - rent, 0.0)
        cheapest = cost.idxmin()
        if cost[cheapest] <= left:
            return None
        return (f"a new post of the smallest size allowed ({policy.min_post_wte:g} WTE, policy.min_post_wte) costs the PCN at "
                f"least £{cost[cheapest]:,.0f} a year ({in_sentence(open_roles.at[cheapest, 'role_name'])}), more than the "
                f"£{left:,.0f} of ARRS and top-up left")

    def _capacity_used_elsewhere(self) -> list[str]:
        """Categories left mostly unmet while staff who could serve them work elsewhere, and why."""
        care, wte = self.care(), self._per_role["total_wte"]
        staffed = {r for r, total in zip(self.model.layout.roles, wte) if total > 1e-6}
        names = self.inputs.roles["role_name"]
        assigned = dict(zip(self.inputs.contacts_by_pair, self._assigned.tolist()))
        notes = []
        for category, row in care[(care["served_share"] < 0.5) & (care["unmet_contacts_per_year"] > 0)].iterrows():
            elsewhere = [in_sentence(names[r]) for (r, d), wte in assigned.items() if d == category and r in staffed and wte < 1e-6]
            if elsewhere:
                why = ("their time delivers more weighted contacts in other categories (a contact counts the same whatever "
                       "its length)") if self.scenario.policy.valuation == "contacts" else (
                       "their time adds more to the care score in other categories")
                notes.append(
                    f"{row['category_name']} is {row['served_share']:.0%} served although {', '.join(elsewhere)} could do it: "
                    f"{why}. Raise demand.{category}.priority_weight if this work matters more."
                )
        return notes
