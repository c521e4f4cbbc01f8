"""Load and validate the catalogs and the control library; every problem is reported as ``file:line: what``."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench.catalog.model import Catalog, Control, Framework, Requirement
from workbench.catalog.schema import CHECK_ID, ControlFile, ControlSpec, FrameworkFile, RequirementSpec
from workbench.catalog.yamlsource import LineDict, LineList, line_of, load_yaml_with_lines
from workbench.errors import CatalogError
from workbench.resources import controls_dir

_CHECK_ID = re.compile(CHECK_ID)


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load every framework in ``frameworks/*.yaml`` and every control in ``library/*.yaml`` under ``directory``.

    Args:
        directory: a ``controls/`` directory; the packaged one when None.

    Returns:
        The validated catalog, with every mapping resolved.

    Raises:
        CatalogError: ``file:line: what is wrong`` for the first problem found.
    """
    return _load((directory if directory is not None else controls_dir()).resolve())


@functools.lru_cache(maxsize=4)
def _load(root: Path) -> Catalog:
    """Load once per directory and process: the catalog is read-only and shared."""
    if not root.is_dir():
        raise CatalogError(
            f"{root}: no such control library directory (it should hold frameworks/ and library/; "
            "check WORKBENCH_CONTROLS)"
        )
    framework_files = sorted((root / "frameworks").glob("*.yaml"))
    control_files = sorted((root / "library").glob("*.yaml"))
    if not framework_files:
        raise CatalogError(f"{root / 'frameworks'}:1: no framework files (*.yaml) found")
    if not control_files:
        raise CatalogError(f"{root / 'library'}:1: no control files (*.yaml) found")

    frameworks: dict[str, Framework] = {}
    for path in framework_files:
        framework = _load_framework(path)
        if framework.id in frameworks:
            raise CatalogError(f"{path}:1: framework id {framework.id!r} is already defined by another file")
        frameworks[framework.id] = framework

    controls: dict[str, Control] = {}
    mapped: dict[tuple[str, str], list[str]] = {}
    for path in control_files:
        for control in _load_controls(path, frameworks, controls):
            controls[control.id] = control
            for framework_id, requirement_ids in control.maps.items():
                for requirement_id in requirement_ids:
                    mapped.setdefault((framework_id, requirement_id), []).append(control.id)
    return Catalog(
        frameworks=frameworks,
        controls=controls,
        _mapped={key: tuple(ids) for key, ids in mapped.items()},
    )


def _validate(model: type[FrameworkFile] | type[ControlFile], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(step) for step in error["loc"]) or "document"
        raise CatalogError(f"{path}:{line_of(data, error['loc'])}: {where}: {error['msg']}") from None


def _load_framework(path: Path) -> Framework:
    data = load_yaml_with_lines(path)
    parsed: FrameworkFile = _validate(FrameworkFile, data, path)
    requirements: list[Requirement] = []
    seen: dict[str, int] = {}
    items: LineList = data["requirements"]
    for index, spec in enumerate(parsed.requirements):
        line = items.item_lines[index]
        if spec.id in seen:
            raise CatalogError(f"{path}:{line}: requirement id {spec.id!r} is already used on line {seen[spec.id]}")
        if spec.parent is not None and spec.parent not in seen:
            raise CatalogError(
                f"{path}:{line}: requirement {spec.id!r} names parent {spec.parent!r}, which is not defined above it"
            )
        seen[spec.id] = line
        requirements.append(_requirement(parsed.framework.id, spec))
    return _framework(parsed, requirements)


def _load_controls(path: Path, frameworks: dict[str, Framework], known: dict[str, Control]) -> list[Control]:
    data = load_yaml_with_lines(path)
    parsed: ControlFile = _validate(ControlFile, data, path)
    items: LineList = data["controls"]
    loaded: list[Control] = []
    local: set[str] = set()
    for index, spec in enumerate(parsed.controls):
        raw: LineDict = items[index]
        line = items.item_lines[index]
        if spec.id in known or spec.id in local:
            raise CatalogError(f"{path}:{line}: control id {spec.id!r} is defined twice")
        local.add(spec.id)
        for position, check_id in enumerate(spec.checks):
            if not _CHECK_ID.match(check_id):
                check_line = line_of(raw, ["checks", position])
                raise CatalogError(
                    f"{path}:{check_line}: check id {check_id!r} is not a dotted id such as aws.s3.bucket_versioning"
                )
        for framework_id, requirement_ids in spec.maps.items():
            framework = frameworks.get(framework_id)
            if framework is None:
                raise CatalogError(
                    f"{path}:{line_of(raw, ['maps', framework_id])}: unknown framework {framework_id!r} "
                    f"(known: {', '.join(sorted(frameworks))})"
                )
            for position, requirement_id in enumerate(requirement_ids):
                if framework.requirement(requirement_id) is None:
                    raise CatalogError(
                        f"{path}:{line_of(raw, ['maps', framework_id, position])}: {framework_id} has no requirement "
                        f"{requirement_id!r}"
                    )
        loaded.append(_control(spec))
    return loaded


def _requirement(framework_id: str, spec: RequirementSpec) -> Requirement:
    return Requirement(
        framework_id=framework_id,
        id=spec.id,
        title=spec.title,
        kind=spec.kind,
        parent=spec.parent,
        text=" ".join(spec.text.split()),
        attributes=dict(spec.attributes),
    )


def _framework(parsed: FrameworkFile, requirements: list[Requirement]) -> Framework:
    meta = parsed.framework
    return Framework(
        id=meta.id,
        title=meta.title,
        version=meta.version,
        source=meta.source,
        notice=meta.notice,
        coverage=meta.coverage,
        requirements=tuple(requirements),
        _by_id={r.id: r for r in requirements},
    )


def _control(spec: ControlSpec) -> Control:
    return Control(
        id=spec.id,
        title=spec.title,
        domain=spec.domain,
        description=" ".join(spec.description.split()),
        owner=spec.owner,
        vendor_part=" ".join(spec.vendor_part.split()),
        customer_part=" ".join(spec.customer_part.split()),
        cadence=spec.cadence,
        checks=tuple(spec.checks),
        maps={fid: tuple(dict.fromkeys(rids)) for fid, rids in spec.maps.items() if rids},
    )


def extend_catalog(
    base: Catalog,
    *,
    frameworks: Sequence[FrameworkFile] = (),
    controls: Sequence[ControlSpec] = (),
    mappings: Sequence[tuple[str, str, str]] = (),
    where: str = "catalog entry",
) -> Catalog:
    """Return ``base`` with more frameworks, controls and (control, framework, requirement) mappings added.

    The additions obey the rules of the YAML files: new ids only, maps to known frameworks and requirements.

    Raises:
        CatalogError: ``where: what is wrong`` for the first problem found.
    """
    if not frameworks and not controls and not mappings:
        return base
    all_frameworks = dict(base.frameworks)
    for parsed in frameworks:
        if parsed.framework.id in all_frameworks:
            raise CatalogError(f"{where}: framework id {parsed.framework.id!r} already exists")
        seen: set[str] = set()
        requirements: list[Requirement] = []
        for spec in parsed.requirements:
            if spec.id in seen:
                raise CatalogError(f"{where}: framework {parsed.framework.id}: requirement id {spec.id!r} twice")
            if spec.parent is not None and spec.parent not in seen:
                raise CatalogError(
                    f"{where}: framework {parsed.framework.id}: requirement {spec.id!r} names parent "
                    f"{spec.parent!r}, which is not defined before it"
                )
            seen.add(spec.id)
            requirements.append(_requirement(parsed.framework.id, spec))
        all_frameworks[parsed.framework.id] = _framework(parsed, requirements)

    def check_target(control_id: str, framework_id: str, requirement_id: str) -> None:
        framework = all_frameworks.get(framework_id)
        if framework is None:
            raise CatalogError(f"{where}: control {control_id} maps to unknown framework {framework_id!r}")
        if framework.requirement(requirement_id) is None:
            raise CatalogError(
                f"{where}: control {control_id} maps to {framework_id} {requirement_id!r}, which it lacks"
            )

    all_controls = dict(base.controls)
    for control_spec in controls:
        if control_spec.id in all_controls:
            raise CatalogError(f"{where}: control id {control_spec.id!r} already exists")
        for check_id in control_spec.checks:
            if not _CHECK_ID.match(check_id):
                raise CatalogError(f"{where}: control {control_spec.id}: check id {check_id!r} is not a dotted id")
        for framework_id, requirement_ids in control_spec.maps.items():
            for requirement_id in requirement_ids:
                check_target(control_spec.id, framework_id, requirement_id)
        all_controls[control_spec.id] = _control(control_spec)
    for control_id, framework_id, requirement_id in mappings:
        control = all_controls.get(control_id)
        if control is None:
            raise CatalogError(f"{where}: a mapping names unknown control {control_id!r}")
        check_target(control_id, framework_id, requirement_id)
        maps = dict(control.maps)
        maps[framework_id] = tuple(dict.fromkeys((*maps.get(framework_id, ()), requirement_id)))
        all_controls[control_id] = dataclasses.replace(control, maps=maps)

    mapped: dict[tuple[str, str], list[str]] = {}
    for control in all_controls.values():
        for framework_id, mapped_ids in control.maps.items():
            for requirement_id in mapped_ids:
                mapped.setdefault((framework_id, requirement_id), []).append(control.id)
    return Catalog(
        frameworks=all_frameworks,
        controls=all_controls,
        _mapped={key: tuple(ids) for key, ids in mapped.items()},
    )
