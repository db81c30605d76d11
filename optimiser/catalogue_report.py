"""The year's ARRS rules on screen: the role catalogue with its statuses and sources, and the working behind one amount."""

from __future__ import annotations

import pandas as pd
from rich.console import Group
from rich.text import Text

from optimiser import paycost
from optimiser.catalogue import LONDON_ZONES, derive_working, load_catalogue
from optimiser.catalogue_rules import STATUSES, on_cost_rules, pay_awards, year_rules
from optimiser.derived_amounts import afc_bands, band_maximum, band_name, band_pay_point
from optimiser.errors import CatalogueError, not_one_of
from optimiser.terminal_table import folding_table


def catalogue_table(catalogue, sources: bool = False) -> Group:
    """The year's roles as a table; with sources, the year's rules and one paragraph per figure so addresses are never cut short."""
    roles = catalogue.roles.copy()
    roles["cap"] = [
        "none" if pd.isna(a) and pd.isna(b) else f"{a:g} / {b:g} ({s})"
        for a, b, s in zip(roles["cap_wte_below_100k"], roles["cap_wte_from_100k"], roles["cap_status"])
    ]
    roles["arrs_share"] = [
        f"{share:.0%}" + (f" ({co_share:.0%} {funder})" if co_share > 0 else "")
        for share, co_share, funder in zip(roles["arrs_share"], roles["co_funder_share"], roles["co_funder"])
    ]
    for zone in ("outer", "inner"):
        roles[f"{zone} London"] = [f"{amount:,.0f} ({status})" for amount, status in zip(roles[f"{zone}_london_max_gbp"], roles[f"{zone}_london_status"])]
    shown = roles.set_index("role_name").rename(columns={
        "afc_band": "AfC band", "max_reimbursable_gbp": "Max reimbursable (£/WTE/yr)", "max_reimbursable_status": "Status",
        "arrs_share": "ARRS share", "cap": "Cap WTE <100k / ≥100k", "funding_pot": "Pot",
    })
    formats = {"AfC band": "s", "Max reimbursable (£/WTE/yr)": ",.0f", "Status": "s", "outer London": "s", "inner London": "s",
               "ARRS share": "s", "Cap WTE <100k / ≥100k": "s", "Pot": "s"}
    funding = catalogue.funding.rename(columns={"gbp_per_weighted_patient": "£ per weighted patient", "status": "Status", "basis": "Basis"})
    rules = year_rules(catalogue.year)
    on_costs = rules.on_costs
    parts = [
        Text(f"{catalogue.year} ({rules.status}): {rules.basis}\nEmployer on-costs: pension {on_costs.pension_rate:.2%}, NI "
             f"{on_costs.ni_rate:.1%} above £{on_costs.ni_threshold_gbp:,.0f}. Agenda for Change pay scale {rules.afc_pay_year}; "
             f"GP pay {rules.gp_pay_year}."),
        folding_table(f"ARRS roles {catalogue.year} (amounts include employer on-costs)", shown, formats, index_label="Role"),
        Text("; ".join(f"{status} = {meaning}" for status, meaning in STATUSES.items()), style="dim"),
        folding_table(f"ARRS sum {catalogue.year}", funding, {"£ per weighted patient": ".3f", "Status": "s", "Basis": "s"}, index_label="Pot"),
    ]
    if sources:
        parts.append(Text(f"\nRules, {catalogue.year}", style="bold"))
        parts.append(Text(f"Year: {rules.basis} Source: {rules.source}\nOn-costs ({on_costs.status}): from "
                          f"{on_costs.from_date:%-d %B %Y}. Source: {on_costs.source}"))
        awards = pay_awards().reset_index()
        for _, award in awards.iterrows():
            parts.append(Text(f"Pay award {award['staff_group']} {award['pay_year']}: {award['award']:.1%} ({award['status']}). "
                              f"{award['basis']} Source: {award['source']}"))
        for (role, tier), row in catalogue.co_funding.iterrows():
            parts.append(Text(f"Co-funding {role}, {tier}: {row['arrs_share']:.0%} ARRS ({row['status']}). {row['basis']} Source: {row['source']}"))
        parts.append(Text(f"\nSources, {catalogue.year}", style="bold"))
        for _, role in catalogue.roles.iterrows():
            cap = "" if role["cap_status"] == "none" else f"\n  Cap ({role['cap_status']}): {role['cap_basis']} Source: {role['cap_source']}"
            parts.append(Text(
                f"{role['role_name']}: £{role['max_reimbursable_gbp']:,.0f} ({role['max_reimbursable_status']}"
                f"{', ' + role['max_reimbursable_source_date'] if role['max_reimbursable_source_date'] else ''})\n"
                f"  Basis: {role['max_reimbursable_basis']}\n  Role: {role['basis']}\n"
                f"  Source: {role['max_reimbursable_source'] or role['source']}\n  London: {role['london_source']}{cap}"
            ))
        for pot, row in catalogue.funding.iterrows():
            parts.append(Text(f"{pot}: £{row['gbp_per_weighted_patient']:.3f} per weighted patient ({row['status']})\n"
                              f"  Basis: {row['basis']}\n  Source: {row['source']}"))
    return Group(*parts)


ZONES = ("national", *LONDON_ZONES)
"""Where a derived amount applies: `--london`'s values."""


def derivation_text(year: str, derive: str | None, salary_gbp: float | None, zone: str = "national") -> Text:
    """The working for one amount: a band's or role's maximum reimbursable amount, or a salary's employer cost."""
    if zone not in ZONES:
        raise CatalogueError(not_one_of("--london", zone, list(ZONES)))
    lines: list[str] = []
    if derive is not None:
        roles = load_catalogue(year).roles
        band = band_name(derive)
        if derive in roles.index:
            lines += [f"{roles.at[derive, 'role_name']} ({derive}):", *derive_working(roles.at[derive, "pay_point"], year, zone)]
        elif band_pay_point(band) is not None:
            lines += derive_working(band, year, zone)
        elif band not in afc_bands():
            from optimiser.scenario_names import unknown_name

            bands = ", ".join(sorted(afc_bands()))
            raise CatalogueError(unknown_name("--derive", derive, list(roles.index), f"role or Agenda for Change band of {year}", year,
                                              listed=f"a band ({bands}, or a range such as 7-8a) or a role ({', '.join(sorted(roles.index))})"))
        else:
            derive = band
            result = band_maximum(derive, year, "none" if zone == "national" else zone)
            lines += [f"{year}, band {derive}, {zone}: no ARRS reference salary for this band; top pay point + on-costs ({result.status})",
                      *result.working, f"= £{result.amount_gbp:,.2f}"]
    if salary_gbp is not None:
        lines += ["" if lines else None, f"{year}: employer cost of a salary of £{salary_gbp:,.0f}",
                  *paycost.cost_working(salary_gbp, on_cost_rules(year))]
    return Text("\n".join(line for line in lines if line is not None))
