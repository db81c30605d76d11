"""Roll-ups streamed from the Parquet parts: national, per ICB, per role, and each PCN against the baseline.

Sums are accumulated one part at a time over the PCNs optimal under every policy (so policies compare
like with like); the parent never holds every PCN's summary, only the small per-(ICB, policy) totals and
the index of which record is current.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from optimiser.batch.table import NO_ICB

ROLLUP_SUMS = [
    "list_size_patients", "weighted_population_patients", "in_post_wte", "new_wte", "total_wte", "own_funded_wte", "arrs_sum_gbp_per_year",
    "arrs_claimed_gbp_per_year",
    "arrs_unspent_gbp_per_year", "in_post_beyond_arrs_gbp_per_year", "top_up_used_gbp_per_year", "total_cost_gbp_per_year",
    "demand_contacts_per_year",
    "served_contacts_per_year", "unmet_contacts_per_year", "priority_weighted_contacts_per_year", "need_met_wte_years",
]
CHANGE_MEASURES = ["total_wte", "new_wte", "arrs_claimed_gbp_per_year", "arrs_unspent_gbp_per_year", "top_up_used_gbp_per_year",
                   "served_contacts_per_year", "unmet_contacts_per_year", "priority_weighted_contacts_per_year", "need_met_wte_years"]
ROLE_MEASURES = ["in_post_wte", "new_wte", "total_wte", "cost_gbp_per_year", "arrs_claimed_gbp_per_year"]


class Compared:
    """The PCNs compared (optimal under every policy), looked up by ODS code in C, not one code at a time."""

    def __init__(self, common: set[str]):
        self.index = pd.Index(sorted(common), dtype=object)

    def rows(self, part: pd.DataFrame) -> pd.DataFrame:
        return part[self.index.get_indexer(part["ods_code"].astype(object)) >= 0]


def optimal_everywhere(statuses: pd.DataFrame, policies: list[str]) -> set[str]:
    """ODS codes optimal under every policy (`statuses`: ods_code, policy, status of every current record, one each)."""
    optimal = statuses[statuses["status"] == "optimal"].groupby("ods_code")["policy"].nunique()
    return set(optimal.index[optimal == len(policies)])


class Totals:
    """Sums per policy (and ICB) over PCNs optimal under every policy, and counts of optimal and failed per policy."""

    def __init__(self, policies: list[str], common: set[str]):
        self.policies, self.compared = policies, Compared(common)
        self.sums: list[pd.DataFrame] = []
        self.counts: list[pd.DataFrame] = []

    def add(self, part: pd.DataFrame) -> None:
        part = part.assign(icb=part["icb"].fillna(NO_ICB), optimal=part["status"] == "optimal", failed=part["status"] != "optimal")
        self.counts.append(part.groupby(["icb", "policy"], sort=False)[["optimal", "failed"]].sum())
        ok = self.compared.rows(part)
        if len(ok):
            self.sums.append(ok.groupby(["icb", "policy"], sort=False)[ROLLUP_SUMS].sum().assign(pcns_compared=ok.groupby(["icb", "policy"], sort=False).size()))
        self._compact()

    def _compact(self) -> None:
        """Fold the partial sums together now and then, so they stay as small as the number of ICBs × policies."""
        if len(self.counts) > 64:
            self.counts = [pd.concat(self.counts).groupby(level=[0, 1], sort=False).sum()]
        if len(self.sums) > 64:
            self.sums = [pd.concat(self.sums).groupby(level=[0, 1], sort=False).sum()]

    def table(self, by: list[str]) -> pd.DataFrame:
        """The roll-up by `by` ([] for national, ["icb"] per ICB), with `change_<measure>` against the first policy."""
        keys = [*by, "policy"]
        counts = (pd.concat(self.counts) if self.counts else pd.DataFrame(columns=["optimal", "failed"], index=pd.MultiIndex.from_tuples([], names=["icb", "policy"])))
        counts = counts.groupby(level=keys, sort=False).sum().rename(columns={"optimal": "pcns_optimal", "failed": "pcns_failed"})
        if self.sums:
            sums = pd.concat(self.sums).groupby(level=keys, sort=False).sum()
        else:
            sums = pd.DataFrame(columns=[*ROLLUP_SUMS, "pcns_compared"], index=counts.index[:0], dtype=float)
        table = counts.astype(int).join(sums, how="left").reset_index()
        table["pcns_compared"] = table["pcns_compared"].fillna(0).astype(int)
        table[ROLLUP_SUMS] = table[ROLLUP_SUMS].astype(float).fillna(0.0)
        table = table[[*keys, "pcns_optimal", "pcns_failed", "pcns_compared", *ROLLUP_SUMS]]
        baseline = table[table["policy"] == self.policies[0]]
        for measure in CHANGE_MEASURES:
            if by:
                base_values = table[by[0]].map(baseline.set_index(by[0])[measure]).fillna(0.0).to_numpy(float)
            else:
                base_values = float(baseline[measure].iloc[0]) if len(baseline) else 0.0
            table[f"change_{measure}"] = table[measure] - base_values
        return _in_policy_order(table, self.policies, by)


def rollup_roles(parts: Iterable[pd.DataFrame], policies: list[str], common: set[str]) -> pd.DataFrame:
    """WTE, cost and ARRS claimed per role nationally, per policy, with the change against the baseline."""
    sums, names, compared = [], {}, Compared(common)
    for part in parts:
        ok = compared.rows(part)
        if len(ok):
            sums.append(ok.groupby(["role", "policy"])[ROLE_MEASURES].sum())
            names.update(zip(ok["role"], ok["role_name"]))
        if len(sums) > 64:  # folded now and then, so they stay as small as roles × policies
            sums = [pd.concat(sums).groupby(level=[0, 1]).sum()]
    if not sums:
        return pd.DataFrame(columns=["role", "role_name", "policy", *ROLE_MEASURES, "change_total_wte"])
    table = pd.concat(sums).groupby(level=[0, 1]).sum().unstack("policy").fillna(0.0)
    table = table.stack("policy", future_stack=True).fillna(0.0).reset_index()
    table = table[table["policy"].isin(policies)]
    table.insert(1, "role_name", table["role"].map(names))
    base = table[table["policy"] == policies[0]].set_index("role")["total_wte"]
    table["change_total_wte"] = table["total_wte"] - table["role"].map(base).fillna(0.0)
    order = {p: i for i, p in enumerate(policies)}
    table = table.assign(_p=table["policy"].map(order), _w=-table["role"].map(base).fillna(0.0))
    return table.sort_values(["_w", "role", "_p"]).drop(columns=["_p", "_w"]).reset_index(drop=True)


def compare_by_pcn(measures: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """Per PCN, each policy against the first: the change in WTE, money and care.

    `measures` holds only what this needs (keys, name, ICB, row and the change measures of optimal records).
    """
    columns = ["ods_code", "pcn_name", "icb", "policy", "baseline_policy", *(f"change_{m}" for m in CHANGE_MEASURES)]
    wide = measures.set_index(["ods_code", "policy"])[CHANGE_MEASURES]
    present = set(wide.index.get_level_values("policy"))
    if policies[0] not in present:
        return pd.DataFrame(columns=columns)
    baseline = wide.xs(policies[0], level="policy")
    rows = []
    for policy in policies[1:]:
        if policy not in present:
            continue
        change = (wide.xs(policy, level="policy") - baseline).dropna(how="all").add_prefix("change_")
        change.insert(0, "policy", policy)
        change.insert(1, "baseline_policy", policies[0])
        rows.append(change.reset_index())
    if not rows:
        return pd.DataFrame(columns=columns)
    info = measures.drop_duplicates("ods_code").set_index("ods_code")[["pcn_name", "icb", "row"]]
    table = pd.concat(rows, ignore_index=True).join(info, on="ods_code")
    table = table.assign(_p=table["policy"].map({p: i for i, p in enumerate(policies)}))
    return table.sort_values(["row", "_p"])[columns].reset_index(drop=True)


def _in_policy_order(table: pd.DataFrame, policies: list[str], by: list[str]) -> pd.DataFrame:
    order = {p: i for i, p in enumerate(policies)}
    return table.assign(_p=table["policy"].map(order)).sort_values([*by, "_p"]).drop(columns="_p").reset_index(drop=True)


class PlanTotals:
    """A plan batch's sums per policy, future and year (and ICB; and role, with `extra=["role", "role_name"]`), over
    PCNs optimal under every policy."""

    def __init__(self, policies: list[str], common: set[str], measures: list[str], extra: list[str] | None = None):
        self.policies, self.compared, self.measures = policies, Compared(common), measures
        self.extra = extra or []
        self.sums: list[pd.DataFrame] = []

    def add(self, part: pd.DataFrame) -> None:
        ok = self.compared.rows(part)
        if len(ok):
            ok = ok.assign(icb=ok["icb"].fillna(NO_ICB), pcns=1)
            groups = ok.groupby(["icb", "policy", "future", "year", *self.extra], sort=False)
            self.sums.append(groups[[*self.measures, "pcns"]].sum().join(groups[["probability"]].max()))
        if len(self.sums) > 64:
            self.sums = [self._folded(["icb", "policy", "future", "year", *self.extra])]

    def _folded(self, keys: list[str]) -> pd.DataFrame:
        both = pd.concat(self.sums)
        return both.groupby(level=keys, sort=False)[[*self.measures, "pcns"]].sum().join(
            both.groupby(level=keys, sort=False)[["probability"]].max())

    def table(self, by: list[str]) -> pd.DataFrame:
        """Per year and future ([] for national, ["icb"] per ICB), in policy order then the plan's own order."""
        keys = [*by, "policy", "future", "year", *self.extra]
        columns = [*keys, "probability", "pcns", *self.measures]
        if not self.sums:
            return pd.DataFrame(columns=columns)
        table = self._folded(keys).reset_index()
        order = {p: i for i, p in enumerate(self.policies)}
        table = table.assign(_p=table["policy"].map(order)).sort_values([*by, "_p"], kind="stable")
        return table[columns].reset_index(drop=True)
