"""AWS Backup check: at least one backup plan with rules exists in the region."""

from __future__ import annotations

from workbench.collectors.aws.api import AwsApi
from workbench.collectors.base import Check, Finding


class PlanWithRules(Check):
    id = "aws.backup.plan_with_rules"
    title = "At least one AWS Backup plan with rules exists"
    severity = "medium"
    service = "backup"
    calls = ("backup:ListBackupPlans", "backup:GetBackupPlan")

    def evaluate(self, api: AwsApi) -> list[Finding]:
        for plan in api.paginate("backup", "list_backup_plans", "BackupPlansList"):
            detail = api.call("backup", "get_backup_plan", BackupPlanId=plan["BackupPlanId"])
            rules = (detail.get("BackupPlan") or {}).get("Rules", [])
            if rules:
                return [
                    Finding(
                        plan["BackupPlanArn"], "pass", f"plan {plan.get('BackupPlanName', '')} has {len(rules)} rule(s)"
                    )
                ]
        return [Finding(f"arn:aws:backup:{api.region}:{api.account}:backup-plans", "fail", "no backup plan with rules")]


CHECKS: tuple[type[Check], ...] = (PlanWithRules,)
