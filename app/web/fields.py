"""Form fields shared by the pages."""
from __future__ import annotations

from datetime import date

from wtforms import DateField
from wtforms.validators import InputRequired


class DayField(DateField):
    """A YYYY-MM-DD date whose error says what was wrong with what was typed ("2026-02-30" is no date),
    not "This field is required."."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        typed = valuelist[0].strip()
        try:
            self.data = date.fromisoformat(typed)
        except ValueError:
            self.data = None
            raise ValueError(f"“{typed}” is not a date: write YYYY-MM-DD, with a day that exists in that month.") \
                from None


def day_required(message: str = "Give a date (YYYY-MM-DD).") -> InputRequired:
    """Required, without hiding DayField's own message about a mistyped date (DataRequired would)."""
    return InputRequired(message=message)
