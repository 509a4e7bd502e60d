"""What a check reports: one finding per defect, in the shape the JSON output promises."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Ordering used by `--fail-on`: info < warning < error."""
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Where(BaseModel):
    """Where a defect sits: the file as the user named it, a 1-based line, a Terraform address."""

    model_config = ConfigDict(frozen=True)

    file: str | None = None
    line: int | None = None
    resource: str | None = None


class Finding(BaseModel):
    """One defect. `rule` is the stable slug, `id` its code (see catalog.RULES)."""

    model_config = ConfigDict(frozen=True)

    rule: str
    id: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    resource: str | None = None

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.resource or "", self.id, self.message)
