"""The shape of the YAML files under ``controls/``, checked with pydantic before anything uses them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workbench.catalog.model import Owner

#: requirement ids: CCM's 'A&A-01' keeps its ampersand
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.()&\-]*$"
CONTROL_ID = r"^[A-Z][A-Z0-9]{1,7}-[0-9]{2,4}$"
CHECK_ID = r"^[a-z][a-z0-9]*(\.[a-z0-9_]+){2,}$"

Cadence = Literal["daily", "weekly", "monthly", "quarterly", "semiannual", "annual"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class FrameworkMeta(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    source: str = ""
    notice: str = ""
    coverage: Literal["all", "top"] = "all"


class RequirementSpec(_Strict):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    kind: str = Field(pattern=r"^[a-z_]+$")
    parent: str | None = None
    text: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)


class FrameworkFile(_Strict):
    framework: FrameworkMeta
    requirements: list[RequirementSpec] = Field(min_length=1)


class ControlSpec(_Strict):
    id: str = Field(pattern=CONTROL_ID)
    title: str = Field(min_length=1, max_length=120)
    domain: str = Field(min_length=1)
    description: str = Field(min_length=1)
    owner: Owner
    vendor_part: str = Field(min_length=1)
    customer_part: str = Field(min_length=1)
    cadence: Cadence
    checks: list[str] = Field(default_factory=list)
    maps: dict[str, list[str]] = Field(default_factory=dict)


class ControlFile(_Strict):
    controls: list[ControlSpec] = Field(min_length=1)
