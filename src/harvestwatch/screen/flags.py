"""What a screening rule returns: a flag with typed evidence spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harvestwatch.screen.dead_donor import DeadDonorReading
    from harvestwatch.screen.statements import Statement


@dataclass(frozen=True)
class Evidence:
    """A quoted span of the record text and the part it plays in the flag."""

    start: int
    end: int
    text: str
    role: str = "evidence"  # passage | death | airway | statement | evidence

    @classmethod
    def of(cls, text: str, start: int, end: int, role: str = "evidence") -> Evidence:
        return cls(start, end, text[start:end], role)

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "role": self.role}


@dataclass(frozen=True)
class Flag:
    """One rule firing on one record (immutable: records without evidence share one)."""

    rule: str
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    strength: str = "flag"  # flag | hedged
    # The typed reading behind the flag, for callers in process (the stored row keeps the
    # evidence spans and the explanation): the dead-donor reading, or the statements read.
    reading: DeadDonorReading | tuple[Statement, ...] | None = None

    def __post_init__(self):
        object.__setattr__(self, "evidence", tuple(self.evidence))

    def to_row(self) -> tuple[str, str, str, list[dict]]:
        """(rule, strength, explanation, evidence as JSON-ready dicts) for storage."""
        return self.rule, self.strength, self.explanation, [e.to_dict() for e in self.evidence]
