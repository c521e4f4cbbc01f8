"""The registry: every check the library names exists, every check is named by a control, and selection works."""

from __future__ import annotations

import re

import pytest

from workbench.catalog import load_catalog
from workbench.collectors.aws.checks import all_checks
from workbench.collectors.registry import (
    check_state,
    implemented_checks,
    pending_checks,
    referenced_checks,
    select_checks,
)
from workbench.errors import InputError


def test_every_referenced_check_exists_and_every_check_is_referenced() -> None:
    catalog = load_catalog()
    assert pending_checks(catalog) == ()
    referenced = set(referenced_checks(catalog))
    assert set(implemented_checks()) == referenced


def test_at_least_40_checks_over_14_services_each_small_and_described() -> None:
    checks = all_checks()
    assert len(checks) >= 40
    assert len({c.service for c in checks}) >= 14
    ids = [c.id for c in checks]
    assert len(ids) == len(set(ids))
    for check in checks:
        assert re.fullmatch(r"aws\.[a-z0-9]+\.[a-z0-9_]+", check.id), check.id
        assert check.title and check.severity in ("info", "low", "medium", "high", "critical")
        assert check.scope in ("global", "regional")
        assert check.calls, check.id
        for action in check.calls:
            service, name = action.split(":")
            assert service and name[:1].isupper(), action
            assert name.startswith(("Get", "List", "Describe", "Generate")), f"{check.id} is not read-only: {action}"


def test_selection_by_id_service_and_pattern() -> None:
    assert [c.id for c in select_checks(["aws.iam.root_mfa_enabled"])] == ["aws.iam.root_mfa_enabled"]
    assert {c.service for c in select_checks(["iam"])} == {"iam"}
    assert {c.id for c in select_checks(["aws.iam.root_*"])} == {
        "aws.iam.root_mfa_enabled",
        "aws.iam.root_no_access_keys",
    }
    both = select_checks(["iam,kms"])
    assert {c.service for c in both} == {"iam", "kms"}
    assert len(select_checks(None)) == len(all_checks())
    with pytest.raises(InputError, match="'nope' matches no check"):
        select_checks(["nope"])
    assert check_state("aws.iam.root_mfa_enabled") == "implemented"
    assert check_state("aws.imaginary.check") == "pending"
