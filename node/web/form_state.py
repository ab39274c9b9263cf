"""What a resident typed into a refused form, and why, so the page can show it again."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FormState:
    """One form on a page: its name, the values typed, a problem per field, and the
    refusal of the whole action (out of phase, not eligible, over budget ...)."""

    name: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    refusal: str | None = None
    # A link that helps on after the refusal: its address and label.
    way_on: tuple[str, str] | None = None

    def value(self, field_name: str) -> str:
        """What was typed in a field, to fill it in again."""
        return self.values.get(field_name, "")
