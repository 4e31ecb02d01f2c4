"""Tasks as the customer sees them (View Tasks): the list by status, one task with its history, CSV.

The contractor raises tasks while working for the customer and works them through; the portal
shows them read-only. A task at a site reaches a contact limited to that site; a task with no site
is for the whole customer, so every contact of the customer sees it (the visibility registry's
``BySite(nullable=True)``). The job or quote a task relates to is named only when the contact may
see that job or quote itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, literal, null, or_, select
from sqlmodel import Session
from sqlmodel import select as select_rows

from portal.core import visibility
from portal.core.lists import (
    Cell,
    Column,
    Context,
    Join,
    ListSpec,
    Page,
    PageRequest,
    PerRequest,
    escape_like,
    is_number,
    number_starts_with,
)
from portal.core.principal import Scope
from portal.core.visibility import scoped
from portal.models import Job, Quote, Site, Task, TaskNote, TaskPriority, TaskStatus
from portal.models import Page as PageKey

PAGE = PageKey.TASKS
WHOLE_CUSTOMER = "All sites"  # what the Site column says of a task for the whole customer

STATUS_LABELS = {
    TaskStatus.NOT_STARTED: "Not started",
    TaskStatus.IN_PROGRESS: "In progress",
    TaskStatus.COMPLETED: "Completed",
}
PRIORITY_LABELS = {TaskPriority.LOW: "Low", TaskPriority.NORMAL: "Normal", TaskPriority.HIGH: "High"}
OPEN = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)


def status_label(value: str) -> str:
    """A stored status as the customer reads it; a value the portal does not know reads as itself."""
    try:
        return STATUS_LABELS[TaskStatus(value)]
    except ValueError:
        return value


def priority_label(value: str) -> str:
    try:
        return PRIORITY_LABELS[TaskPriority(value)]
    except ValueError:
        return value


@dataclass(frozen=True)
class TaskRow:
    id: int
    number: int
    subject: str
    site_name: str  # WHOLE_CUSTOMER for a task without a site
    job_number: int | None
    quote_number: int | None
    due_on: date | None
    completed_on: date | None
    status: str
    priority: str
    assigned_to: str
    overdue: bool  # still open after its due date


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    author: str
    status: str  # the status the task moved to, as read; empty for a plain note
    note: str


@dataclass
class TaskDetail:
    id: int
    number: int
    subject: str
    description: str
    site_name: str
    site_address: str
    job_number: int | None
    quote_number: int | None
    due_on: date | None
    completed_on: date | None
    raised_on: datetime
    status: str
    priority: str
    assigned_to: str
    overdue: bool
    history: list[HistoryLine] = field(default_factory=list)


# The list.


def _related(model: Any, column: Any, page: str) -> PerRequest:
    """The number of the job or quote a task relates to, when the contact may see that row and its page."""

    def build(context: Context) -> Any:
        if not context.scope.can(page):
            return null()
        found = select(model.number).where(model.id == column, visibility.visible(context.scope, model))
        return found.scalar_subquery()

    return PerRequest(build)


def _search(context: Context, text: str) -> Any:
    """Subject contains the text, the task number starts with the digits, or the site's name contains it."""
    pattern = f"%{escape_like(text)}%"
    sites = scoped(select(Site.id).where(Site.name.ilike(pattern, escape="\\")), context.scope, Site)
    found: list[Any] = [Task.subject.ilike(pattern, escape="\\"), Task.site_id.in_(sites)]
    if is_number(text):
        found.append(number_starts_with(Task.number, text))
    return or_(*found)


def _ranked(column: Any, order: tuple[str, ...]) -> Any:
    """Statuses and priorities sort in their working order, not alphabetically."""
    return case(
        *((column == value, literal(rank)) for rank, value in enumerate(order)), else_=literal(len(order))
    )


def _task_row(values: dict[str, Any], context: Context) -> TaskRow:
    status, priority, due = values.pop("status"), values.pop("priority"), values["due_on"]
    values["site_name"] = values["site_name"] or WHOLE_CUSTOMER
    return TaskRow(
        **values,
        status=status_label(status),
        priority=priority_label(priority),
        overdue=status in OPEN and due is not None and due < context.today,
    )


TASKS: ListSpec[TaskRow] = ListSpec(
    name="tasks",
    page=PAGE,
    model=Task,
    columns=(
        Column("id", Task.id),
        Column("number", Task.number),
        Column("subject", Task.subject),
        Column("site_name", Site.name),
        Column("job_number", _related(Job, Task.job_id, PageKey.JOBS)),
        Column("quote_number", _related(Quote, Task.quote_id, PageKey.QUOTES)),
        Column("due_on", Task.due_on),
        Column("completed_on", Task.completed_on),
        Column("status", Task.status),
        Column("priority", Task.priority),
        Column("assigned_to", Task.assigned_to),
    ),
    # The site is the task's own customer's (a foreign key of a visible row); outer, for whole-customer tasks.
    joins=(Join(Site, Site.id == Task.site_id, outer=True),),
    tabs={
        "open": Task.status.in_(OPEN),
        "not_started": Task.status == TaskStatus.NOT_STARTED,
        "in_progress": Task.status == TaskStatus.IN_PROGRESS,
        "completed": Task.status == TaskStatus.COMPLETED,
        "all": Task.id.is_not(None),
    },
    search_by=_search,
    sorts={
        "number": Task.number,
        "subject": Task.subject,
        "site": Site.name,
        "due": Task.due_on,
        "status": _ranked(Task.status, tuple(TaskStatus)),
        "priority": _ranked(Task.priority, tuple(TaskPriority)),
        "assigned": Task.assigned_to,
    },
    default_sort="number",
    row=_task_row,
    cells=(
        Cell("Task No.", lambda t: t.number),
        Cell("Subject", lambda t: t.subject),
        Cell("Site", lambda t: t.site_name),
        Cell("Job No.", lambda t: t.job_number),
        Cell("Quote No.", lambda t: t.quote_number),
        Cell("Due", lambda t: t.due_on),
        Cell("Status", lambda t: t.status),
        Cell("Priority", lambda t: t.priority),
        Cell("Assigned to", lambda t: t.assigned_to),
        Cell("Completed", lambda t: t.completed_on),
    ),
)
TASK_TABS = tuple(TASKS.tabs)


def list_tasks(session: Session, scope: Scope, tab: str, request: PageRequest, today: date) -> Page[TaskRow]:
    return TASKS.rows(session, scope, tab, request, today)


# One task.


def _number_of(session: Session, scope: Scope, model: Any, row_id: int | None, page: str) -> int | None:
    if row_id is None or not scope.can(page):
        return None
    row = visibility.get(session, scope, model, row_id)
    return None if row is None else row.number


def _history(session: Session, scope: Scope, task_id: int, read: Callable[[str], str]) -> list[HistoryLine]:
    """The task's notes oldest first, so the newest reads last, as a conversation does."""
    rows = session.exec(
        scoped(
            select_rows(TaskNote.at, TaskNote.author, TaskNote.status, TaskNote.note).where(
                TaskNote.task_id == task_id
            ),
            scope,
            TaskNote,
        ).order_by(TaskNote.at, TaskNote.id)
    ).all()
    return [
        HistoryLine(at, author, read(status) if status else "", note) for at, author, status, note in rows
    ]


def task_detail(session: Session, scope: Scope, task_id: object, today: date) -> TaskDetail | None:
    """One task with its history, or None when the id is not the contact's to see."""
    scope.require(PAGE)
    task = visibility.get(session, scope, Task, task_id)
    if task is None or task.id is None:
        return None
    site = visibility.get(session, scope, Site, task.site_id) if task.site_id is not None else None
    return TaskDetail(
        id=task.id,
        number=task.number,
        subject=task.subject,
        description=task.description,
        site_name=site.name if site is not None else WHOLE_CUSTOMER,
        site_address=site.address if site is not None else "",
        job_number=_number_of(session, scope, Job, task.job_id, PageKey.JOBS),
        quote_number=_number_of(session, scope, Quote, task.quote_id, PageKey.QUOTES),
        due_on=task.due_on,
        completed_on=task.completed_on,
        raised_on=task.created_at,
        status=status_label(task.status),
        priority=priority_label(task.priority),
        assigned_to=task.assigned_to,
        overdue=task.status in OPEN and task.due_on is not None and task.due_on < today,
        history=_history(session, scope, task.id, status_label),
    )
