"""GuardDuty check: threat detection is enabled in the region."""

from __future__ import annotations

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding


class Enabled(Check):
    id = "aws.guardduty.enabled"
    title = "GuardDuty is enabled in the region"
    severity = "high"
    service = "guardduty"
    calls = ("guardduty:ListDetectors", "guardduty:GetDetector")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        base = f"arn:aws:guardduty:{api.region}:{api.account}:detector"
        for detector_id in api.paginate("guardduty", "list_detectors", "DetectorIds"):
            detector = api.call("guardduty", "get_detector", DetectorId=detector_id)
            if detector.get("Status") == "ENABLED":
                return [Finding(f"{base}/{detector_id}", "pass", "GuardDuty detector enabled")]
        return [Finding(base, "fail", "no enabled GuardDuty detector in this region")]


CHECKS: tuple[type[Check], ...] = (Enabled,)
