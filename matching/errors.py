"""Domain errors of the matching rules, raised for bad input and mapped to HTTP by the web layer.

``matching`` imports nothing of the application, so it keeps its own small exceptions; the one exception handler in
the web shell turns ``Invalid`` into a 400 naming the field and ``NotFound`` into a 404.
"""


class Invalid(ValueError):
    """One input value is wrong: ``field`` says which (for example ``answers.44260-8``), ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(LookupError):
    """Nothing is known by the code that was asked for."""
