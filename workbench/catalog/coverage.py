"""Which requirements of each framework the control library meets, and which it leaves unmapped."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.catalog.model import Catalog, Requirement


@dataclass(frozen=True)
class FrameworkCoverage:
    """Coverage of one framework by the control library."""

    framework_id: str
    title: str
    units: int
    mapped: int
    unmapped: tuple[Requirement, ...]

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        return {
            "framework": self.framework_id,
            "title": self.title,
            "requirements": self.units,
            "mapped": self.mapped,
            "unmapped": [{"id": r.id, "title": r.title} for r in self.unmapped],
        }


def coverage(catalog: Catalog) -> list[FrameworkCoverage]:
    """Return, per framework, how many requirements are met by at least one control and which are not."""
    result = []
    for framework in catalog.frameworks.values():
        units = framework.coverage_units()
        unmapped = tuple(r for r in units if not catalog.controls_for(framework.id, r.id))
        result.append(
            FrameworkCoverage(
                framework_id=framework.id,
                title=framework.title,
                units=len(units),
                mapped=len(units) - len(unmapped),
                unmapped=unmapped,
            )
        )
    return result
