"""The client as the matching rules see them: who they are, where they live, their money and their situations.

Every field may be unknown (None, or an empty list): the rules then say what to check instead of guessing.
Codes are Waypost's own: ``insurance`` uses the ``waypost-insurance`` codes and ``situations`` the situation codes
of ``waypost-eligibility`` (seed_data/taxonomy), so that a client's facts compare directly with a service's.
"""

from decimal import Decimal
from typing import Literal

import msgspec

Sex = Literal["female", "male"]
GenderIdentity = Literal["woman", "man", "transgender-woman", "transgender-man", "nonbinary"]

# The gender groups of ``waypost-eligibility`` a person belongs to: a transgender woman is welcome at services for
# women and at services for transgender and nonbinary people.
GENDER_GROUPS: dict[str, frozenset[str]] = {
    "woman": frozenset({"women"}),
    "man": frozenset({"men"}),
    "transgender-woman": frozenset({"women", "transgender-nonbinary"}),
    "transgender-man": frozenset({"men", "transgender-nonbinary"}),
    "nonbinary": frozenset({"transgender-nonbinary"}),
    "female": frozenset({"women"}),
    "male": frozenset({"men"}),
}

# People say "veteran"; the vocabulary names the group ("veterans"). Both are accepted.
SITUATION_WORDS = {
    "veteran": "veterans",
    "parent": "parents",
    "immigrant": "immigrants",
    "refugee": "refugees",
    "survivor": "survivors",
    "at-risk": "at-risk-of-homelessness",
}


def situation_code(word: str) -> str:
    """The ``waypost-eligibility`` code for a situation as a client or case manager may write it."""
    code = word.strip().lower()
    return SITUATION_WORDS.get(code, code)


class Client(msgspec.Struct, frozen=True, kw_only=True):
    age: int | None = None
    sex: Sex | None = None
    gender_identity: GenderIdentity | None = None
    preferred_language: str | None = None  # ISO 639-1 where the language has one ("es"), else 639-3 ("mam")
    limited_english: bool = False
    state: str | None = None  # two-letter US state of residence: it picks the poverty guideline table
    household_size: int | None = None
    monthly_income: Decimal | None = None  # dollars a month before taxes, the whole household
    insurance: frozenset[str] = frozenset()
    situations: frozenset[str] = frozenset()
    # Whether ``situations`` lists every situation the client is in: then a service for veterans does not take a
    # client who is not listed as one. Otherwise a situation not listed may simply not have been asked about.
    situations_complete: bool = False

    @property
    def genders(self) -> frozenset[str]:
        """The gender groups the client belongs to; empty when neither gender identity nor sex is known."""
        given = self.gender_identity or self.sex
        return GENDER_GROUPS[given] if given else frozenset()
