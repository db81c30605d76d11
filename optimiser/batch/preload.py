"""What the workers' fork server, when they start from one (`execute.start_method`), imports before it forks them: the
solver's modules and this financial year's catalogue, loaded once in the background (while the parent works) rather
than by each worker on its first chunk."""

import importlib

from optimiser.assumptions import load_assumptions
from optimiser.catalogue import load_catalogue
from optimiser.catalogue_rules import current_year

for module in ("optimiser.batch.worker", "optimiser.inputs", "optimiser.model", "optimiser.solve"):
    importlib.import_module(module)
load_assumptions()
load_catalogue(current_year())
