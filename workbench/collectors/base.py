"""What every check is: a small class with an id, metadata, the read-only calls it makes, and ``evaluate``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:  # botocore is imported only by the commands that talk to AWS
    from workbench.collectors.aws.api import AwsApi

Result = Literal["pass", "fail", "info"]
Severity = Literal["info", "low", "medium", "high", "critical"]


@dataclass(frozen=True)
class Finding:
    """What a check concluded about one resource."""

    resource: str
    result: Result
    message: str


class Check(ABC):
    """One automated check. Which controls it evidences is data in ``controls/``, never code."""

    id: ClassVar[str]
    title: ClassVar[str]
    severity: ClassVar[Severity]
    #: the AWS service whose data it evaluates (one fetch per service, account and region serves every check)
    service: ClassVar[str]
    #: ``global`` checks run once per account; ``regional`` ones in every selected region
    scope: ClassVar[Literal["global", "regional"]] = "regional"
    #: the read-only IAM actions it needs, e.g. ``("s3:ListAllMyBuckets", "s3:GetEncryptionConfiguration")``
    calls: ClassVar[Sequence[str]]
    version: ClassVar[str] = "1"

    @abstractmethod
    def evaluate(self, api: AwsApi) -> list[Finding]:
        """Judge the data of one account and region.

        Raises:
            AwsCallError: when a call it needs failed; the run records it as an ``error`` result.
        """
