"""One solve for the app: a result, or the core's own sentence saying why there is none; never a traceback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from optimiser.errors import OptimiserError, ScenarioError, SolverError
from optimiser.explain import InfeasibleScenario
from optimiser.pipeline import optimise
from optimiser.results import Result
from optimiser.scenario import Scenario
from optimiser.scenario_problems import parse_scenario

def scenario_from_canonical(text: str) -> Scenario:
    return parse_scenario(json.loads(text), "the app")




@dataclass
class Outcome:
    """What one solve gave: a result, or the reason there is none, in words."""

    kind: Literal["ok", "infeasible", "invalid", "unproven"]
    result: Result | None = None
    message: str = ""
    conflicts: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def solve_outcome(scenario: Scenario) -> Outcome:
    """optimise(scenario), with every failure turned into an Outcome carrying the core's own message."""
    try:
        result = optimise(scenario)
    except InfeasibleScenario as error:
        return Outcome("infeasible", message=str(error), conflicts=error.conflicts)
    except SolverError as error:
        return Outcome("unproven", message=str(error))
    except ScenarioError as error:
        return Outcome("invalid", message=str(error))
    except OptimiserError as error:
        return Outcome("infeasible", message=str(error))
    return Outcome("ok", result=result)


