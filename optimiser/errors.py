"""One error family, so the CLI and the app can show any of them as a sentence, never a traceback."""


class OptimiserError(Exception):
    """Base class: the message says where, what and how to fix it."""


class ScenarioError(OptimiserError):
    """A scenario file or value that cannot be used as it is."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        if len(problems) == 1:
            text = f"{where}{problems[0]}"
        else:
            text = f"{where}{len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems)
        super().__init__(text)


class CatalogueError(OptimiserError):
    """Reference data shipped with the package is missing or inconsistent."""


class SolverError(OptimiserError):
    """The solver failed or stopped before it proved an answer."""
