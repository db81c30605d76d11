"""ARRS workforce skill-mix optimiser: which mix of roles gives a PCN the most care for its money, rooms and needs.

The flow, one module each: scenario (validated input) → inputs (defaults resolved) → model (PuLP)
→ solve (HiGHS) → results (tables) / explain (infeasibility); pipeline.optimise runs it end to end.
"""

__version__ = "0.1.0"
