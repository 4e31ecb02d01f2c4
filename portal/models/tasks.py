"""Tasks the contractor raises while working for the customer, shown read-only in the portal."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from portal.models.base import choice, text, when


class TaskStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class TaskPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Task(SQLModel, table=True):
    __tablename__ = "task"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    job_id: int | None = Field(default=None, foreign_key="job.id")
    quote_id: int | None = Field(default=None, foreign_key="quote.id")
    subject: str = text(200)
    description: str = text(4000)
    status: TaskStatus = choice(TaskStatus, TaskStatus.NOT_STARTED)
    priority: TaskPriority = choice(TaskPriority, TaskPriority.NORMAL)
    assigned_to: str = text(100)
    due_on: date | None = None
    completed_on: date | None = None
    created_at: datetime = when(default_now=True)


class TaskNote(SQLModel, table=True):
    """One line of a task's history: a status change or a note by the contractor's staff."""

    __tablename__ = "task_note"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    at: datetime = when(default_now=True)
    author: str = text(100)
    status: str = text(20)  # the status the task moved to, or empty for a plain note
    note: str = text(2000)
