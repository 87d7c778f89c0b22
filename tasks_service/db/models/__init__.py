"""All tables; import as ``from tasks_service.db import models as m``."""

from .account import Account
from .assignment import Assignment, AssignmentState
from .audit_entry import AuditAction, AuditEntry
from .base import Base, utcnow
from .credit_entry import CreditEntry, CreditReason
from .job import Job, JobStatus
from .outbox import OutboxMessage
from .project import Project, Visibility
from .project_member import MemberRole, ProjectMember
from .review import Review, ReviewAssignment, ReviewAssignmentState, Verdict
from .submission import Submission, SubmissionStatus
from .task import Task, TaskState
from .task_copy import TaskCopy
from .token import Token

__all__ = [
    "Account",
    "Assignment",
    "AssignmentState",
    "AuditAction",
    "AuditEntry",
    "Base",
    "CreditEntry",
    "CreditReason",
    "Job",
    "JobStatus",
    "MemberRole",
    "OutboxMessage",
    "Project",
    "ProjectMember",
    "Review",
    "ReviewAssignment",
    "ReviewAssignmentState",
    "Submission",
    "SubmissionStatus",
    "Task",
    "TaskCopy",
    "TaskState",
    "Token",
    "Verdict",
    "Visibility",
    "utcnow",
]
