"""The technician's day on a phone: today's jobs as cards, and one job's tests, defects and finish.

Laid out for a 390 px screen first (one column, buttons at least 44 px tall), wider screens get
the same column centred.
"""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.uploads import upload_zone
from portal.core.principal import Duty
from portal.services.assets.field_work import DESCRIPTION_LIMIT, NOTES_LIMIT, RESULT_LABELS, SEVERITY_LABELS
from portal.state.office.day import PHOTO_UPLOAD, DayState, JobDayState

S = JobDayState
TOUCH = {"min_height": "44px"}
COLUMN = {"width": "100%", "max_width": "640px", "margin": "0 auto"}


def _contact(person: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(person["name"], weight="medium", size="2"),
            rx.text(person["role"], size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
        ),
        rx.cond(
            person["tel"] != "",
            rx.link(
                rx.button(
                    rx.icon("phone", size=16, aria_hidden="true"), person["phone"], variant="soft", **TOUCH
                ),
                href=person["tel"],
                aria_label="Call " + person["name"],
                class_name="contact-call",
            ),
        ),
        width="100%",
        align="center",
        class_name="day-contact",
    )


def _address(job: rx.Var) -> rx.Component:
    return rx.cond(
        job["map_url"] != "",
        rx.link(
            rx.hstack(
                rx.icon("map-pin", size=16, aria_hidden="true"), rx.text(job["address"]), align="center"
            ),
            href=job["map_url"],
            is_external=True,
            class_name="map-link",
        ),
    )


def _card(job: rx.Var, index: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(job["window"], size="2", class_name="job-window"),
                rx.text("Job ", job["number"], size="2", color_scheme="gray"),
                justify="between",
                width="100%",
            ),
            rx.heading(job["customer"], size="4", as_="h2"),
            rx.text(job["site"], weight="medium"),
            _address(job),
            rx.foreach(DayState.people[index], _contact),
            rx.link(
                rx.button("Open job", size="3", width="100%", **TOUCH),
                href="/office/day/" + job["id"],
                width="100%",
                class_name="open-job",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="day-card",
        data_job=job["id"],
    )


@office_page("/office/day", "My day", Duty.RECORD_TESTS, on_load=[DayState.load])
def day_page() -> rx.Component:
    return rx.vstack(
        page_heading("Today's jobs"),
        rx.cond(
            DayState.loaded & (DayState.cards.length() == 0),
            rx.card(
                rx.vstack(
                    rx.icon("sun", size=28, aria_hidden="true"),
                    rx.text("No jobs booked for you today.", weight="medium"),
                    align="center",
                    padding="1em",
                ),
                width="100%",
                id="day-empty",
            ),
        ),
        rx.foreach(DayState.cards, _card),
        spacing="3",
        id="day-jobs",
        **COLUMN,
    )


# --- one job --------------------------------------------------------------------------------------


def _asset(line: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(line["number"], weight="bold"),
                rx.text(line["name"]),
                wrap="wrap",
                spacing="2",
            ),
            rx.hstack(
                rx.text(line["type"], " · ", line["level"], size="2", color_scheme="gray"),
                rx.cond(
                    line["on_job"] != "",
                    rx.badge("On this job", variant="surface"),
                    rx.badge("Due at the site", variant="surface", color_scheme="gray"),
                ),
                wrap="wrap",
                spacing="2",
                align="center",
            ),
            rx.cond(line["location"] != "", rx.text(line["location"], size="2")),
            rx.text("Due ", line["due"], " · Last: ", line["last"], size="2"),
            rx.cond(
                line["today"] != "",
                rx.badge(
                    "Today: ",
                    line["today"],
                    color_scheme=rx.match(line["today_result"], ("pass", "green"), ("fail", "red"), "amber"),
                    size="2",
                    class_name="today-result",
                ),
            ),
            rx.hstack(
                rx.cond(
                    line["today"] == "",
                    rx.button(
                        "Record test",
                        on_click=S.open_test(line["key"]),
                        size="3",
                        flex="1",
                        class_name="record-test",
                        **TOUCH,
                    ),
                ),
                rx.button(
                    "Raise defect",
                    on_click=S.open_defect(line["key"]),
                    size="3",
                    variant="soft",
                    color_scheme="red",
                    flex="1",
                    class_name="raise-defect",
                    **TOUCH,
                ),
                width="100%",
            ),
            spacing="1",
            width="100%",
        ),
        width="100%",
        class_name="asset-line",
        data_key=line["key"],
        data_on_job=line["on_job"],
    )


def _radio(name: str, options: dict[str, str], value: rx.Var, on_change, error_key: str) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text(name, size="2", weight="medium")),
        rx.radio_group.root(
            rx.vstack(
                *[
                    rx.el.label(
                        rx.hstack(
                            rx.radio_group.item(value=key, id=f"{error_key}-{key}"),
                            rx.text(label),
                            align="center",
                            spacing="2",
                        ),
                        html_for=f"{error_key}-{key}",
                        min_height="44px",
                        display="flex",
                        align_items="center",
                    )
                    for key, label in options.items()
                ],
                spacing="1",
            ),
            value=value,
            on_change=on_change,
            name=error_key,
            size="3",
        ),
        rx.cond(
            S.errors.contains(error_key),
            rx.text(
                S.errors[error_key], size="1", color_scheme="red", role="alert", class_name="field-error"
            ),
        ),
        border="none",
        padding="0",
        margin="0",
    )


def _dialog(title: str, open_var: rx.Var, on_open_change, body: rx.Component, dialog_id: str) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description("Fill in the fields and save.", size="2", color_scheme="gray"),
            body,
            id=dialog_id,
            max_width="480px",
            width="calc(100vw - 1.5em)",
        ),
        open=open_var,
        on_open_change=on_open_change,
    )


def _buttons(save: str) -> rx.Component:
    """Save and Cancel, with what is wrong beyond one field (the job was completed, the asset moved)."""
    problem = rx.cond(
        S.problem != "",
        rx.callout(
            S.problem, icon="triangle-alert", color_scheme="red", role="alert", class_name="dialog-problem"
        ),
    )
    return rx.vstack(problem, _save_cancel(save), width="100%")


def _save_cancel(save: str) -> rx.Component:
    return rx.hstack(
        rx.dialog.close(
            rx.button("Cancel", type="button", variant="soft", color_scheme="gray", size="3", **TOUCH)
        ),
        rx.button(save, type="submit", size="3", id=f"{save.lower().replace(' ', '-')}-submit", **TOUCH),
        justify="end",
        width="100%",
    )


def _test_dialog() -> rx.Component:
    return _dialog(
        "Record test",
        S.test_open,
        S.set_test_open,
        rx.form(
            rx.vstack(
                rx.text(S.test_label, weight="medium"),
                _radio("Result", RESULT_LABELS, S.test_result, S.set_test_result, "result"),
                field(
                    "Notes",
                    rx.text_area(
                        name="notes",
                        id="test-notes",
                        default_value=S.test_notes,
                        max_length=NOTES_LIMIT,
                        rows="3",
                    ),
                    rx.cond(S.errors.contains("notes"), S.errors["notes"], ""),
                    html_for="test-notes",
                ),
                _buttons("Save result"),
                spacing="3",
            ),
            on_submit=S.save_test,
        ),
        "test-dialog",
    )


def _defect_dialog() -> rx.Component:
    return _dialog(
        "Raise defect",
        S.defect_open,
        S.set_defect_open,
        rx.form(
            rx.vstack(
                rx.text(S.defect_label, weight="medium"),
                _radio("Severity", SEVERITY_LABELS, S.severity, S.set_severity, "severity"),
                field(
                    "Description",
                    rx.text_area(
                        name="description",
                        id="defect-description",
                        default_value=S.description,
                        max_length=DESCRIPTION_LIMIT,
                        rows="3",
                    ),
                    rx.cond(S.errors.contains("description"), S.errors["description"], ""),
                    html_for="defect-description",
                ),
                rx.vstack(
                    rx.text("Photo (optional)", size="2", weight="medium"),
                    rx.cond(
                        S.photo_name != "",
                        rx.hstack(
                            rx.icon("image", size=16, aria_hidden="true"),
                            rx.text(S.photo_name, id="photo-name"),
                            rx.button(
                                "Remove", type="button", variant="ghost", on_click=S.remove_photo, **TOUCH
                            ),
                            align="center",
                        ),
                        upload_zone(
                            rx.button(
                                rx.icon("camera", size=16, aria_hidden="true"),
                                "Take or choose a photo",
                                type="button",
                                variant="soft",
                                size="3",
                                **TOUCH,
                            ),
                            id=PHOTO_UPLOAD,
                            label="Defect photo",
                            multiple=False,
                            accept={"image/*": []},
                            on_drop=S.upload_photo(rx.upload_files(upload_id=PHOTO_UPLOAD)),
                        ),
                    ),
                    rx.cond(
                        S.errors.contains("photo"),
                        rx.text(
                            S.errors["photo"], size="1", color_scheme="red", role="alert", id="photo-error"
                        ),
                    ),
                    spacing="1",
                    width="100%",
                ),
                _buttons("Save defect"),
                spacing="3",
            ),
            on_submit=S.save_defect,
        ),
        "defect-dialog",
    )


def _reason(item: rx.Var) -> rx.Component:
    key = "reason-" + item["asset_id"]
    return rx.vstack(
        rx.el.label(
            rx.text("Why was ", item["label"], " not tested?", size="2", weight="medium"), html_for=key
        ),
        rx.text_area(name=key, id=key, rows="2", max_length=NOTES_LIMIT, class_name="untested-reason"),
        rx.cond(
            S.errors.contains(key),
            rx.text(S.errors[key], size="1", color_scheme="red", role="alert", class_name="field-error"),
        ),
        spacing="1",
        width="100%",
    )


def _finish_dialog() -> rx.Component:
    return _dialog(
        "Finish job",
        S.finish_open,
        S.set_finish_open,
        rx.form(
            rx.vstack(
                rx.cond(
                    S.untested.length() > 0,
                    rx.text("These assets on the job have no result today.", size="2"),
                    rx.text("Every asset on the job has a result. Complete the job?", size="2"),
                ),
                rx.foreach(S.untested, _reason),
                _buttons("Complete job"),
                spacing="3",
            ),
            on_submit=S.finish,
        ),
        "finish-dialog",
    )


def _job() -> rx.Component:
    job = S.job
    return rx.vstack(
        page_heading("Job " + job["number"]),
        rx.cond(
            S.notice != "", rx.callout(S.notice, icon="info", role="status", id="day-notice", width="100%")
        ),
        rx.card(
            rx.vstack(
                rx.badge(job["window"], size="2"),
                rx.heading(job["customer"], size="4", as_="h2"),
                rx.text(job["site"], weight="medium"),
                _address(job),
                rx.cond(job["access_notes"] != "", rx.text("Access: ", job["access_notes"], size="2")),
                rx.text(job["description"], white_space="pre-wrap", id="job-description"),
                rx.foreach(S.people, _contact),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        rx.heading("Assets", size="4", as_="h2"),
        rx.cond(
            S.assets.length() == 0,
            rx.text("No assets on this job or due at the site.", color_scheme="gray"),
        ),
        rx.foreach(S.assets, _asset),
        rx.cond(
            S.job["stage"] == "progress",
            rx.button(
                "Finish job",
                on_click=S.open_finish,
                size="3",
                width="100%",
                id="finish-job",
                **TOUCH,
            ),
            rx.badge("Job ", S.job["stage"], size="3", id="job-stage"),
        ),
        rx.link("Back to today's jobs", href="/office/day", padding_y="0.75em"),
        _test_dialog(),
        _defect_dialog(),
        _finish_dialog(),
        spacing="3",
        width="100%",
    )


@office_page("/office/day/[job_id]", "Job on site", Duty.RECORD_TESTS, on_load=[JobDayState.load])
def job_page() -> rx.Component:
    return rx.box(
        rx.cond(
            S.found,
            _job(),
            rx.cond(
                S.message != "",
                rx.vstack(
                    rx.heading("Job not available", size="5", as_="h1"),
                    rx.text(S.message, id="job-unavailable"),
                    rx.link("Back to today's jobs", href="/office/day"),
                    spacing="3",
                ),
            ),
        ),
        id="day-job",
        **COLUMN,
    )
