"""The catalog's domain objects: frameworks with requirements, and controls that map to them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Owner(StrEnum):
    """Who is responsible for a control (the CSA CCM STA-04 categories, renamed)."""

    VENDOR = "vendor"
    CUSTOMER = "customer"
    SHARED = "shared"
    THIRD_PARTY = "third_party"
    SHARED_VENDOR_THIRD_PARTY = "shared_vendor_third_party"
    NOT_APPLICABLE = "not_applicable"


OWNERS: tuple[str, ...] = tuple(owner.value for owner in Owner)

#: Review cadences and how many days evidence stays fresh under each.
CADENCE_DAYS: Mapping[str, int] = {
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
    "semiannual": 183,
    "annual": 366,
}


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement of a framework: a SOC 2 criterion, a HIPAA specification, a GDPR paragraph, an SRM area."""

    framework_id: str
    id: str
    title: str
    kind: str
    parent: str | None
    text: str
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Framework:
    """A catalog of requirements, such as the SOC 2 Trust Services Criteria."""

    id: str
    title: str
    version: str
    source: str
    notice: str
    #: ``all``: every requirement must be met; ``top``: only requirements without a parent (GDPR articles), which
    #: are met through any of their paragraphs.
    coverage: str
    requirements: tuple[Requirement, ...]
    _by_id: Mapping[str, Requirement] = field(default_factory=dict, repr=False, compare=False)

    def requirement(self, requirement_id: str) -> Requirement | None:
        """Return the requirement with this id, or None."""
        return self._by_id.get(requirement_id)

    def children(self, requirement_id: str) -> tuple[Requirement, ...]:
        """Return the direct children of a requirement, in catalog order."""
        return tuple(r for r in self.requirements if r.parent == requirement_id)

    def coverage_units(self) -> tuple[Requirement, ...]:
        """Return the requirements that must each be met by at least one control."""
        if self.coverage == "top":
            return tuple(r for r in self.requirements if r.parent is None)
        return self.requirements


@dataclass(frozen=True, slots=True)
class Control:
    """The organisation's own control; one control meets requirements of many frameworks."""

    id: str
    title: str
    domain: str
    description: str
    owner: Owner
    vendor_part: str
    customer_part: str
    cadence: str
    checks: tuple[str, ...]
    #: framework id -> requirement ids this control meets
    maps: Mapping[str, tuple[str, ...]]

    @property
    def cadence_days(self) -> int:
        """How many days evidence for this control stays fresh."""
        return CADENCE_DAYS[self.cadence]


@dataclass(frozen=True)
class Catalog:
    """Every framework and control that a workbench knows, with the mappings between them."""

    frameworks: Mapping[str, Framework]
    controls: Mapping[str, Control]
    #: (framework id, requirement id) -> ids of the controls mapped to it directly
    _mapped: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict, repr=False)

    def framework(self, framework_id: str) -> Framework | None:
        """Return the framework with this id, or None."""
        return self.frameworks.get(framework_id)

    def control(self, control_id: str) -> Control | None:
        """Return the control with this id (case-insensitive), or None."""
        return self.controls.get(control_id) or self.controls.get(control_id.upper())

    def controls_for(self, framework_id: str, requirement_id: str, *, include_children: bool = True) -> tuple[str, ...]:
        """Return the ids of the controls that meet a requirement, directly or (by default) through its children."""
        found = list(self._mapped.get((framework_id, requirement_id), ()))
        if include_children:
            framework = self.frameworks[framework_id]
            for child in framework.children(requirement_id):
                found.extend(self.controls_for(framework_id, child.id))
        return tuple(dict.fromkeys(found))

    def requirements_for(self, control_id: str) -> Iterator[Requirement]:
        """Yield every requirement, across frameworks, that a control meets."""
        control = self.controls[control_id]
        for framework_id, requirement_ids in control.maps.items():
            framework = self.frameworks[framework_id]
            for requirement_id in requirement_ids:
                requirement = framework.requirement(requirement_id)
                if requirement is not None:
                    yield requirement

    def controls_in(self, framework_id: str) -> tuple[str, ...]:
        """Return the ids of every control mapped to at least one requirement of a framework."""
        return tuple(cid for cid, control in self.controls.items() if control.maps.get(framework_id))
