"""Two results side by side: the mix, the headline numbers and the care, each with the change."""

from __future__ import annotations

import pandas as pd

from optimiser.results.answer_tables import AnswerTables


def compare_mix(baseline: AnswerTables, other: AnswerTables) -> pd.DataFrame:
    """Total WTE per role in both results and the change, for roles present in either."""
    a = baseline.mix()["total_wte"].rename("baseline_wte")
    b = other.mix()["total_wte"].rename("other_wte")
    table = pd.concat([a, b], axis=1).fillna(0.0)
    names = pd.concat([baseline.inputs.roles["role_name"], other.inputs.roles["role_name"]])
    table.insert(0, "role_name", names[~names.index.duplicated()].reindex(table.index))
    table["change_wte"] = table["other_wte"] - table["baseline_wte"]
    table.index.name = "role"
    return table.sort_values("other_wte", ascending=False)


def compare_summary(baseline: AnswerTables, other: AnswerTables) -> pd.DataFrame:
    """Headline numbers in both results and the change."""
    a, b = baseline.summary(), other.summary()
    keys = [k for k, v in a.items() if isinstance(v, float)]
    table = pd.DataFrame({"baseline": [a[k] for k in keys], "other": [b[k] for k in keys]}, index=pd.Index(keys, name="measure"))
    table["change"] = table["other"] - table["baseline"]
    return table


def compare_care(baseline: AnswerTables, other: AnswerTables) -> pd.DataFrame:
    a = baseline.care()["served_contacts_per_year"].rename("baseline_served_contacts_per_year")
    b = other.care()["served_contacts_per_year"].rename("other_served_contacts_per_year")
    table = pd.concat([baseline.care()["category_name"], a, b], axis=1)
    table["change_contacts_per_year"] = table.iloc[:, 2] - table.iloc[:, 1]
    return table
