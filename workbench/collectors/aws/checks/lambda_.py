"""Lambda check: no function runs on a deprecated runtime."""

from __future__ import annotations

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding

#: Runtimes past their deprecation date under the AWS Lambda runtime deprecation policy (as of 2026).
DEPRECATED_RUNTIMES = frozenset(
    {
        "python2.7",
        "python3.6",
        "python3.7",
        "python3.8",
        "nodejs",
        "nodejs4.3",
        "nodejs4.3-edge",
        "nodejs6.10",
        "nodejs8.10",
        "nodejs10.x",
        "nodejs12.x",
        "nodejs14.x",
        "nodejs16.x",
        "java8",
        "dotnetcore1.0",
        "dotnetcore2.0",
        "dotnetcore2.1",
        "dotnetcore3.1",
        "dotnet5.0",
        "dotnet6",
        "ruby2.5",
        "ruby2.7",
        "go1.x",
        "provided",
    }
)


class SupportedRuntimes(Check):
    id = "aws.lambda.supported_runtimes"
    title = "Lambda functions run on supported runtimes"
    severity = "medium"
    service = "lambda"
    calls = ("lambda:ListFunctions",)

    def evaluate(self, api: AwsApi) -> list[Finding]:
        findings = []
        for function in api.paginate("lambda", "list_functions", "Functions"):
            runtime = function.get("Runtime")
            arn = function["FunctionArn"]
            if not runtime:
                findings.append(Finding(arn, "pass", "container image: runtime managed in the image"))
            elif runtime in DEPRECATED_RUNTIMES:
                findings.append(Finding(arn, "fail", f"deprecated runtime {runtime}"))
            else:
                findings.append(Finding(arn, "pass", f"supported runtime {runtime}"))
        return findings


CHECKS: tuple[type[Check], ...] = (SupportedRuntimes,)
