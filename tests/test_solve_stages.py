"""Stage 2's care floor and its one looser retry, in one place for every solver path: the floor's formula on a
care of either sign and size, and the retry on a real HiGHS instance whose first floor is really out of reach."""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.solve import CompiledLP, Status, new_highs
from optimiser.solve.cheapest import cheapest_mix
from optimiser.solve.highs import pass_model, status_of
from optimiser.solve.solution import CARE_TOLERANCE, CBC_CARE_TOLERANCE, STAGE_2_FALLBACK_TOLERANCE, care_floor


@pytest.mark.parametrize("care, floor", [
    (80.0, 80.0 - 80e-9),  # relative to the care
    (-50.0, -50.0 - 50e-9),  # below a negative care too, not towards 0
    (0.25, 0.25 - 1e-9),  # a care below 1 keeps a margin of CARE_TOLERANCE, not a quarter of it
    (0.0, -1e-9),
])
def test_the_care_floor_is_below_the_care_by_the_tolerance_of_its_size(care, floor):
    assert care_floor(care) == pytest.approx(floor, rel=0, abs=1e-15)
    assert care_floor(care) < care


def test_the_retry_floor_is_looser_and_cbc_adds_its_absolute_margin():
    """80 points: the retry gives up 1e-6 × 80 = 8e-5; CBC 1e-7 × 80 + 1e-6 = 9e-6."""
    assert care_floor(80.0, STAGE_2_FALLBACK_TOLERANCE) == pytest.approx(80.0 - 8e-5, rel=0, abs=1e-12)
    assert care_floor(80.0, STAGE_2_FALLBACK_TOLERANCE) < care_floor(80.0, *CBC_CARE_TOLERANCE) < care_floor(80.0)
    assert care_floor(80.0, *CBC_CARE_TOLERANCE) == pytest.approx(80.0 - 9e-6, rel=0, abs=1e-12)
    assert care_floor(-80.0, STAGE_2_FALLBACK_TOLERANCE) < care_floor(-80.0, CARE_TOLERANCE) < -80.0


def _two_roles() -> CompiledLP:
    """Care x + y with x + y ≤ 10; x costs £1, y £2 and £1 of own money: the most care is 10, all of it from x."""
    return CompiledLP(
        column_names=["x", "y"], column_lower=np.zeros(2), column_upper=np.full(2, np.inf), integer=np.zeros(2, dtype=bool),
        care=np.array([1.0, 1.0]), cost=np.array([1.0, 2.0]), own_money=np.array([0.0, 1.0]), lead=None,
        row_lower=np.array([-np.inf]), row_upper=np.array([10.0]), row_start=np.array([0, 2], dtype=np.int32),
        row_index=np.array([0, 1], dtype=np.int32), row_value=np.array([1.0, 1.0]))


def _stage_1(lp: CompiledLP):
    highs = new_highs()
    pass_model(highs, lp)
    highs.run()
    assert status_of(highs) == Status.OPTIMAL and highs.getInfo().objective_function_value == pytest.approx(10.0)
    return highs


def _solving(highs, floors: list[float]):
    def solve(floor: float) -> Status:
        floors.append(floor)
        highs.run()
        return status_of(highs)
    return solve


def test_stage_2_holds_the_most_care_at_the_least_spend():
    """Floor 10 − 1e-8: x = 10 − 1e-8 (x is cheaper), y = 0, spend £10; one solve, no retry."""
    lp, floors = _two_roles(), []
    highs = _stage_1(lp)
    assert cheapest_mix(highs, lp, 10.0, _solving(highs, floors), retry_on={Status.INFEASIBLE}) == Status.OPTIMAL
    assert floors == [care_floor(10.0)]
    x, y = highs.getSolution().col_value
    assert x == pytest.approx(10.0 - 1e-8, abs=1e-9) and y == pytest.approx(0.0, abs=1e-9)


def test_a_floor_just_out_of_reach_is_loosened_once():
    """Stage 1's care given as 10 + 5e-6 (above the true 10, as a solver's rounding can make it): its floor
    10 + 5e-6 − 1e-8 is out of reach (by far more than HiGHS's 1e-7), the looser one 10 + 5e-6 − 1.0000005e-5 is not;
    the cheapest mix then meets that floor exactly with x alone, and the row holds the looser floor."""
    lp, floors = _two_roles(), []
    highs = _stage_1(lp)
    care = 10.0 + 5e-6
    assert cheapest_mix(highs, lp, care, _solving(highs, floors), retry_on={Status.INFEASIBLE}) == Status.OPTIMAL
    assert floors == [care_floor(care), care_floor(care, STAGE_2_FALLBACK_TOLERANCE)]
    assert highs.getLp().row_lower_[-1] == care_floor(care, STAGE_2_FALLBACK_TOLERANCE)
    x, y = highs.getSolution().col_value
    assert x == pytest.approx(care_floor(care, STAGE_2_FALLBACK_TOLERANCE), abs=1e-9) and y == pytest.approx(0.0, abs=1e-9)


def test_the_floor_is_loosened_only_once_and_only_after_a_status_named():
    """Care 11 is out of reach of both floors: two solves, then the status stands. A status not named (here
    INFEASIBLE when only TIME_LIMIT is) is not retried."""
    lp = _two_roles()
    floors: list[float] = []
    highs = _stage_1(lp)
    assert cheapest_mix(highs, lp, 11.0, _solving(highs, floors), retry_on={Status.INFEASIBLE}) == Status.INFEASIBLE
    assert len(floors) == 2
    floors = []
    highs = _stage_1(lp)
    assert cheapest_mix(highs, lp, 11.0, _solving(highs, floors), retry_on={Status.TIME_LIMIT}) == Status.INFEASIBLE
    assert floors == [care_floor(11.0)]
