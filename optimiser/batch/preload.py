"""What the workers' fork server imports before it forks them: the solver's modules and this financial year's
catalogue, loaded once in the background (while the parent works) rather than by each worker on its first chunk."""

import optimiser.batch.worker
import optimiser.inputs
import optimiser.model
import optimiser.solve
from optimiser.assumptions import load_assumptions
from optimiser.catalogue import load_catalogue
from optimiser.catalogue_rules import current_year

load_assumptions()
load_catalogue(current_year())
