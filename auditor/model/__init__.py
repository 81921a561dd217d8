"""Pure data: what was collected from an account, and its canonical (normalized) form."""

from auditor.model.normalized import NormalizedAccount, NormalizedPolicy, NormalizedRole, PolicyType
from auditor.model.policy import Condition, PolicyDocument, Principal, Statement
from auditor.model.snapshot import SNAPSHOT_SCHEMA_VERSION, AccountSnapshot, ManagedPolicyRecord, RoleRecord

__all__ = [
    "SNAPSHOT_SCHEMA_VERSION",
    "AccountSnapshot",
    "Condition",
    "ManagedPolicyRecord",
    "NormalizedAccount",
    "NormalizedPolicy",
    "NormalizedRole",
    "PolicyDocument",
    "PolicyType",
    "Principal",
    "RoleRecord",
    "Statement",
]
