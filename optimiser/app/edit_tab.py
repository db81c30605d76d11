"""The Roles and demand tab: the two table editors. Drawn before anything that shows a result, because the
scenario is composed from their cells."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from optimiser import edit_tables
from optimiser.edit_tables import DEMAND_COLUMNS, NO_LIMIT, ROLE_COLUMNS, ROLE_HEADERS, WTE_STEP

ss = st.session_state


@dataclass
class TableEdit:
    """One editor: the table it was given, the table as edited, and the slot for its error message."""

    base: pd.DataFrame
    edited: pd.DataFrame
    slot: object


def show() -> dict[str, TableEdit]:
    """Draw both editors; return them by the scenario section they edit."""
    st.subheader("Roles")
    st.caption("Tick the roles the PCN would employ and set what you know. “No limit” in “Max new” means you could recruit as many "
               "as the money and rooms allow. Grey columns come from the year's catalogue.")
    roles = roles_editor()
    if ss.loaded.custom_roles:
        names = ", ".join(role.name for role in ss.loaded.custom_roles.values())
        st.caption(f"Your scenario's own roles (custom_roles in its file): {names}. Edit them here like any role; their "
                   "pay band, maximum reimbursable amount and the needs they serve are set in the file.")
    estimates = roles.base.loc[edit_tables.estimate_roles(roles.base), "role_name"]
    if len(estimates):
        st.info(f"{len(estimates)} roles' maximum reimbursable amounts are not published national figures "
                f"(status “derived” or “provisional”, marked * in the results): {', '.join(estimates)}. "
                "Check them against your ICB's current figures before relying on them.")
    st.subheader("Demand")
    return {"roles": roles, "demand": demand_editor()}


ROLE_WIDTHS = {"role_name": 284, "include": 80, "in_post_wte": 78, "max_new_wte": 88, "cost_per_wte_gbp": 104, "remote_share": 80,
               "max_reimbursable_gbp": 80, "max_reimbursable_status": 80}
"""Pixels: each short header whole beside its edit mark, the longest role name whole, and together less than the 904
the page gives a table at 1366 pixels with the sidebar open."""


def role_column(kind, column: str, why: str = "", **options):
    """A roles-editor column: its short header and width, and as its help the full name with the unit, then why."""
    full = ROLE_COLUMNS[column]
    return kind(ROLE_HEADERS[column], help=f"{full}: {why}" if why else full, width=ROLE_WIDTHS[column], **options)


def roles_editor() -> TableEdit:
    base = edit_tables.roles_table(ss.loaded)
    cc = st.column_config
    edited = st.data_editor(
        edit_tables.roles_for_editor(base), key=f"roles_editor_{ss.gen}", num_rows="fixed", width="stretch",
        disabled=["role_name", "max_reimbursable_gbp", "max_reimbursable_status"],
        column_order=list(ROLE_COLUMNS), hide_index=True,
        column_config={
            "role_name": role_column(cc.TextColumn, "role_name"),
            "include": role_column(cc.CheckboxColumn, "include", "untick to exclude the role"),
            "in_post_wte": role_column(cc.NumberColumn, "in_post_wte", "staff in post now", min_value=0, max_value=500,
                                       step=WTE_STEP, format="%.2f"),
            "max_new_wte": role_column(cc.TextColumn, "max_new_wte",
                                       f"most new WTE you could recruit this year: a number, or “{NO_LIMIT}”"),
            "cost_per_wte_gbp": role_column(cc.NumberColumn, "cost_per_wte_gbp",
                                            "salary + employer NI + pension; empty = the maximum reimbursable amount",
                                            min_value=1, max_value=1_000_000, step=100, format="£%.0f"),
            "remote_share": role_column(cc.NumberColumn, "remote_share", "share of time worked remotely (needs no clinical room)",
                                        min_value=0, max_value=1, step=0.05, format="%.2f"),
            "max_reimbursable_gbp": role_column(cc.NumberColumn, "max_reimbursable_gbp", "the year's catalogue", format="£%.0f"),
            "max_reimbursable_status": role_column(cc.TextColumn, "max_reimbursable_status",
                                                   "published = a national figure; derived or provisional = not published"),
        },
    )
    return TableEdit(base, edit_tables.roles_from_editor(edited), st.empty())


def demand_editor() -> TableEdit:
    base = edit_tables.demand_table(ss.loaded)
    edited = st.data_editor(
        base, key=f"demand_editor_{ss.gen}", num_rows="fixed", width="stretch", hide_index=True,
        disabled=["category_name"], column_order=list(DEMAND_COLUMNS),
        column_config={
            "category_name": st.column_config.TextColumn(DEMAND_COLUMNS["category_name"], width="large"),
            "contacts_per_year": st.column_config.NumberColumn(DEMAND_COLUMNS["contacts_per_year"], min_value=0, max_value=10_000_000,
                                                               step=0.01, format="%.0f", help="Empty = the default rate × list size"),
            "priority_weight": st.column_config.NumberColumn(DEMAND_COLUMNS["priority_weight"], min_value=0, max_value=100, step=0.01,
                                                             format="%.2f", help="How much one contact in this category counts"),
        },
    )
    return TableEdit(base, edited, st.empty())
