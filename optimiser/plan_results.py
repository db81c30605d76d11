"""A solved plan's answers: its tables (`plan_tables`), its verdict (`plan_verdict`), and the summary with what the
uncertainty costs (`Comparisons`, filled in by `plan`), as the CLI, the app, the exports and the batch read them."""

from __future__ import annotations

from dataclasses import dataclass

from optimiser.plan_verdict import PlanVerdict, money_words, wte_list

__all__ = ["Comparisons", "PlanResult", "money_words", "wte_list"]


@dataclass
class Comparisons:
    """What the uncertainty costs, in the plan's care unit (discounted, expected over the futures)."""

    here_and_now: float
    wait_and_see: float
    forecast: str  # the future the single-forecast plan assumes
    single_forecast: float | None  # None: its first-year hiring cannot be kept within the rules in every future
    single_forecast_by_future: dict[str, float]  # care value in each future when the forecast plan's hiring is kept
    plan_by_future: dict[str, float]  # the same for the plan made for all futures
    forecast_hiring: dict[str, float]  # role → new WTE in the first year under the single-forecast plan

    @property
    def value_of_knowing_the_future(self) -> float:
        return max(self.wait_and_see - self.here_and_now, 0.0)

    @property
    def cost_of_a_single_forecast(self) -> float | None:
        return None if self.single_forecast is None else max(self.here_and_now - self.single_forecast, 0.0)


@dataclass
class PlanResult(PlanVerdict):
    comparisons: Comparisons | None = None

    def summary(self) -> dict:
        comparisons = self.comparisons
        summary = {
            "pcn": self.inputs.scenario.pcn.name,
            "first_year": self.inputs.years[0],
            "horizon_years": len(self.inputs.years),
            "mode": self.model.mode,
            "status": self.solution.status,
            "proven_optimal": self.solution.proven_optimal,
            "expected_care_value": float(self.solution.care),
            "discount_rate_percent": round(100 * self.inputs.discount_rate, 9),  # the scenario's unit (% a year), not 0.035
            "first_year_share_in_post": self.inputs.first_year_share,
            "verdict": self.verdict(),
            "this_year": self.first_year_forecast(),
        }
        if comparisons is not None:
            summary |= {
                "wait_and_see_care_value": comparisons.wait_and_see,
                "value_of_knowing_the_future": comparisons.value_of_knowing_the_future,
                "single_forecast": comparisons.forecast,
                "single_forecast_care_value": comparisons.single_forecast,
                "cost_of_a_single_forecast": comparisons.cost_of_a_single_forecast,
            }
        return summary
