"""KMS checks against a seeded moto account: rotated and unrotated customer keys; other keys are not judged."""

from __future__ import annotations

import pytest
from moto.backends import get_backend

from tests.collectors.conftest import ACCOUNT, REGION, client, evaluate, make_api, results
from workbench.collectors.aws.checks import kms


@pytest.mark.usefixtures("aws")
def test_cmk_rotation_enabled() -> None:
    kms_client = client("kms")
    rotated = kms_client.create_key()["KeyMetadata"]
    kms_client.enable_key_rotation(KeyId=rotated["KeyId"])
    unrotated = kms_client.create_key()["KeyMetadata"]
    disabled = kms_client.create_key()["KeyMetadata"]
    kms_client.disable_key(KeyId=disabled["KeyId"])
    kms_client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")  # asymmetric: cannot rotate, not judged
    aws_managed = kms_client.create_key()["KeyMetadata"]
    # moto creates every key as customer managed: mark one as an AWS managed key (aws/s3 and the like).
    get_backend("kms")[ACCOUNT][REGION].keys[aws_managed["KeyId"]].key_manager = "AWS"
    assert results(kms.CmkRotationEnabled) == {rotated["Arn"]: "pass", unrotated["Arn"]: "fail"}


@pytest.mark.usefixtures("aws")
def test_imported_key_material_is_reported_not_judged() -> None:
    imported = client("kms").create_key()["KeyMetadata"]
    # moto leaves an EXTERNAL-origin key PendingImport; seed an enabled key with imported material directly.
    get_backend("kms")[ACCOUNT][REGION].keys[imported["KeyId"]].origin = "EXTERNAL"
    [finding] = evaluate(kms.CmkRotationEnabled)
    assert (finding.resource, finding.result, finding.message) == (
        imported["Arn"],
        "info",
        "origin EXTERNAL: rotate manually",
    )


@pytest.mark.usefixtures("aws")
def test_keys_are_listed_once() -> None:
    client("kms").create_key()
    api = make_api()
    for check in kms.CHECKS:
        check().evaluate(api)
    operations = [r.operation for r in api.records]
    assert operations.count("list_keys") == 1
