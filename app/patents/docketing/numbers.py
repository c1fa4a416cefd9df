"""Application numbers as each office writes them: a typo in a number is caught when the matter is saved."""
from __future__ import annotations

import re

# office -> (pattern over the number without spaces, what people are shown, where the format is defined)
APPLICATION_NUMBER_FORMATS = {
    "US": (re.compile(r"(US)?(\d{2}/?\d{3},?\d{3}|\d{2}/\d{6})", re.I), "18/123,456 (series code / serial number)",
           "USPTO application number: 2-digit series code and 6-digit serial number (MPEP 503)"),
    "EP": (re.compile(r"(EP)?\d{8}(\.\d)?", re.I), "EP22187654.3 (8 digits and the check digit)",
           "EPO application number: 2-digit year, 6 digits, check digit (EPO Guidelines A-II, 4.1.5 / ST.13)"),
    "PCT": (re.compile(r"PCT/[A-Z]{2}\d{4}/\d{6}", re.I), "PCT/US2025/012345 (receiving Office, year, number)",
            "International application number (PCT Administrative Instructions, Section 307; WIPO ST.13)"),
}


def application_number_problem(jurisdiction: str, number: str | None) -> str | None:
    """Why this number cannot be one of the office's application numbers, or None when it can."""
    known = APPLICATION_NUMBER_FORMATS.get(jurisdiction)
    if not number or known is None:
        return None
    pattern, example, _ = known
    if pattern.fullmatch(re.sub(r"\s+", "", number)):
        return None
    return f"This is not how {jurisdiction} application numbers are written; expected e.g. {example}."
