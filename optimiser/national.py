"""A SYNTHETIC national set of PCNs, seeded, shaped on published figures. It is not real data.

No real PCN is described: names, ODS codes (SYN…) and ICBs are made up. What is shaped on published
figures (PCN list sizes: BMA PCN statistics and HSJ; registered patients: Institute for Government;
ARRS workforce: NWRS as reported by The Pharmacist and Pulse; £ per weighted patient and the national
pot: Network Contract DES 2025/26 as reported by Pulse and Surrey and Sussex LMCs):

* ~1,250 PCNs; list sizes from 14,605 to 263,827; 58% within 30,000–50,000, 7% below 30,000 and 35%
  above 50,000 (January 2020); total 63.7m registered patients (December 2024). The two dates do not
  agree exactly: 63.7m over 1,250 PCNs is a mean of ~51,000, not the 48,020 of 2020, so the tail above
  50,000 is stretched to reach the 2024 total.
* Weighted (Carr-Hill) population: list size × a ratio drawn around 1 (spread 8%), scaled so the national
  weighted total is £1,711m ÷ £26.631 = 64.25m, i.e. a national ARRS total of about £1.71bn in 2025/26.
* Staff in post: the December 2024 ARRS workforce (NWRS, FTE, e.g. 5,494 clinical pharmacists) shared by
  list size with random spread.
* Everything else is ASSUMPTION: clinical room sessions (enough for the staff in post plus 2–40%, plus
  up to 0.4 a week per 1,000 patients, so rooms bind in many PCNs), rentable sessions and rent, top-up budgets, and demand rates per 1,000
  patients (the default rates × random spread × the PCN's weighting ratio, a proxy for need).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

N_PCNS = 1_250
N_ICBS = 42
SMALLEST, LARGEST = 14_605, 263_827
REGISTERED_PATIENTS = 63_700_000
NATIONAL_ARRS_GBP = 1_711_000_000
SHARE_BELOW_30K, SHARE_30_TO_50K = 0.07, 0.58

IN_POST_FTE_DEC_2024 = {
    "clinical_pharmacist": 5_494,
    "care_coordinator": 4_813,
    "social_prescribing_link_worker": 2_777,
    "pharmacy_technician": 1_977,
    "first_contact_physiotherapist": 1_645,
    "general_practice_assistant": 1_269,
    "mental_health_practitioner": 1_158,  # June 2025
    "paramedic": 1_176,
    "physician_associate": 1_147,
    "health_and_wellbeing_coach": 1_043,
    "general_practitioner": 867,  # April 2025
    "nursing_associate": 511,
    "advanced_practitioner": 501,
}
"""National ARRS FTE in post (NWRS, December 2024, as reported by The Pharmacist and Pulse); shared among the synthetic PCNs by list size."""

DEMAND_COLUMNS = ["medication_review", "minor_illness", "long_term_conditions", "msk", "mental_health",
                  "social_needs", "care_coordination", "urgent_same_day", "digital_admin"]


def gbp_per_weighted_patient() -> float:
    """The 2025/26 ARRS rate, from the package's catalogue (published: £26.631)."""
    from optimiser.catalogue import load_catalogue

    return float(load_catalogue("2025/26").funding.at["arrs", "gbp_per_weighted_patient"])


def list_sizes(rng: np.random.Generator, n: int, total: float) -> np.ndarray:
    """List sizes in the published bands, with the tail above 50,000 stretched to reach `total`."""
    n_small = round(SHARE_BELOW_30K * n)
    n_mid = round(SHARE_30_TO_50K * n)
    n_large = n - n_small - n_mid
    small = rng.uniform(SMALLEST, 30_000, n_small)
    mid = 30_000 + 20_000 * rng.beta(1.3, 1.2, n_mid)
    shape = rng.exponential(1.0, n_large) ** 1.4  # long tail: a few very large PCNs
    needed = total - small.sum() - mid.sum() - 50_000 * n_large
    large = 50_000 + shape / shape.sum() * needed
    for _ in range(50):  # clip to the largest PCN and re-spread what was cut off
        over = large > LARGEST
        if not over.any():
            break
        spare = (large[over] - LARGEST).sum()
        large[over] = LARGEST
        room = ~over
        large[room] += spare * (large[room] - 50_000) / (large[room] - 50_000).sum()
    sizes = np.concatenate([small, mid, large])
    if n >= 100:  # a national-scale set spans the published extremes; a small test set need not
        sizes[0], sizes[np.argmax(sizes)] = SMALLEST, LARGEST
    return np.round(sizes).astype(int)


def generate_national(n: int = N_PCNS, seed: int = 2025) -> pd.DataFrame:
    """A synthetic table of `n` PCNs in the batch input format (see the README, "The PCN table")."""
    from optimiser.assumptions import load_assumptions

    rng = np.random.default_rng(seed)
    scale = n / N_PCNS
    sizes = rng.permutation(list_sizes(rng, n, REGISTERED_PATIENTS * scale))
    ratio = np.exp(rng.normal(0, 0.08, n))
    weighted = sizes * ratio
    # weighted patients per registered patient as nationally (64.25m / 63.7m), whatever the number of PCNs
    weighted *= NATIONAL_ARRS_GBP / gbp_per_weighted_patient() / REGISTERED_PATIENTS * sizes.sum() / weighted.sum()
    icb_share = rng.dirichlet(np.full(N_ICBS, 6.0))
    icb = rng.choice(N_ICBS, size=n, p=icb_share) + 1

    table = pd.DataFrame(
        {
            "ods_code": [f"SYN{i:05d}" for i in range(1, n + 1)],
            "name": [f"Synthetic PCN {i:04d}" for i in range(1, n + 1)],
            "icb": [f"Synthetic ICB {k:02d}" for k in icb],
            "list_size": sizes,
            "weighted_population": np.round(weighted, 1),
        }
    )
    defaults = load_assumptions()
    room_need = defaults.roles["room_sessions_per_wte_per_week"] * (1 - defaults.roles["remote_share"])
    room_need = room_need.where(defaults.roles["room_need"] == "clinical_room", 0.0)
    share = sizes / (REGISTERED_PATIENTS * scale) * scale  # this PCN's share of the national workforce
    need = np.zeros(n)
    in_post = {}
    for role, fte in IN_POST_FTE_DEC_2024.items():
        wte = fte * share * rng.gamma(4.0, 0.25, n)
        wte = np.where(rng.random(n) < 0.1, 0.0, np.round(wte, 1))  # some PCNs employ none of a role
        in_post[f"in_post_wte.{role}"] = wte
        need += wte * room_need[role]
    table["room_sessions_per_week"] = np.round(need * rng.uniform(1.02, 1.4, n) + sizes / 1000 * rng.uniform(0, 0.4, n), 1)
    rentable = rng.random(n) < 0.5
    table["rentable_sessions_per_week"] = np.where(rentable, np.round(rng.uniform(5, 30, n)), 0.0)
    table["rent_gbp_per_session"] = np.where(rentable, np.round(rng.uniform(30, 60, n)), 0.0)
    table["top_up_budget_gbp"] = np.round(sizes / 1000 * rng.uniform(0, 1500, n), -2)
    for column, values in in_post.items():
        table[column] = values
    rates = defaults.categories["contacts_per_1000_patients_per_year"]
    for category in DEMAND_COLUMNS:
        spread = np.exp(rng.normal(0, 0.15, n))
        table[f"demand_per_1000_patients.{category}"] = np.round(rates[category] * spread * ratio, 1)
    return table


def sample(national: pd.DataFrame, n: int = 50, seed: int = 50) -> pd.DataFrame:
    """A random subset of a national set (for the README and tests), in table order."""
    picked = np.sort(np.random.default_rng(seed).choice(len(national), size=min(n, len(national)), replace=False))
    return national.iloc[picked].reset_index(drop=True)


def describe(table: pd.DataFrame) -> dict[str, float]:
    """The published figures the set was shaped on, as the set actually has them."""
    sizes = table["list_size"]
    return {
        "pcns": len(table),
        "registered_patients": int(sizes.sum()),
        "smallest_list_size": int(sizes.min()),
        "largest_list_size": int(sizes.max()),
        "mean_list_size": float(sizes.mean()),
        "share_30k_to_50k": float(((sizes >= 30_000) & (sizes <= 50_000)).mean()),
        "share_below_30k": float((sizes < 30_000).mean()),
        "pcns_above_90k": int((sizes > 90_000).sum()),
        "weighted_population": float(table["weighted_population"].sum()),
        "arrs_total_gbp_2025_26": float(table["weighted_population"].sum() * gbp_per_weighted_patient()),
        "in_post_wte": float(table.filter(like="in_post_wte.").sum().sum()),
    }


def write_table(table: pd.DataFrame, path, overwrite: bool = False) -> None:
    """Write as CSV, Parquet or Excel by the file's suffix, atomically."""
    from optimiser import tables

    tables.write_table(table, path, overwrite=overwrite)
