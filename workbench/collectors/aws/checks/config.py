"""AWS Config check: a configuration recorder is recording in the region."""

from __future__ import annotations

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding


class RecorderOn(Check):
    id = "aws.config.recorder_on"
    title = "An AWS Config recorder is recording in the region"
    severity = "medium"
    service = "config"
    calls = ("config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        base = f"arn:aws:config:{api.region}:{api.account}:config-recorder"
        recorders = api.call("config", "describe_configuration_recorders").get("ConfigurationRecorders", [])
        if not recorders:
            return [Finding(base, "fail", "no configuration recorder")]
        statuses = {
            s["name"]: s
            for s in api.call("config", "describe_configuration_recorder_status").get(
                "ConfigurationRecordersStatus", []
            )
        }
        findings = []
        for recorder in recorders:
            name = recorder["name"]
            recording = bool(statuses.get(name, {}).get("recording"))
            group = recorder.get("recordingGroup") or {}
            everything = bool(group.get("allSupported", True))
            if not recording:
                findings.append(Finding(f"{base}/{name}", "fail", "recorder is stopped"))
            else:
                scope = "all supported resource types" if everything else "selected resource types only"
                findings.append(Finding(f"{base}/{name}", "pass", f"recording {scope}"))
        return findings


CHECKS: tuple[type[Check], ...] = (RecorderOn,)
