"""The request form's rules as plain functions: what the form says as it is filled is what submit says."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.services.work import request_rules as rules
from tests.frozen import TODAY


def test_an_item_added_twice_is_one_line_with_both_quantities():
    lines, problem = rules.add_item([], 7, 2)
    lines, problem = rules.add_item(lines, 8, 1)
    lines, problem = rules.add_item(lines, 7, 3)
    assert (lines, problem) == ([(7, 5), (8, 1)], "")


@pytest.mark.parametrize("quantity", [None, 0, -1, rules.MAX_QUANTITY + 1])
def test_a_quantity_outside_the_range_changes_nothing(quantity):
    assert rules.add_item([(7, 1)], 7, quantity) == ([(7, 1)], rules.QUANTITY)


def test_a_line_may_not_grow_past_the_largest_quantity():
    assert rules.add_item([(7, rules.MAX_QUANTITY - 1)], 7, 1) == ([(7, rules.MAX_QUANTITY)], "")
    assert rules.add_item([(7, rules.MAX_QUANTITY)], 7, 1) == ([(7, rules.MAX_QUANTITY)], rules.QUANTITY)


def test_lines_stop_at_the_limit_but_a_listed_item_still_grows():
    full = [(n, 1) for n in range(rules.MAX_ITEM_LINES)]
    assert rules.add_item(full, 999, 1) == (full, rules.TOO_MANY_ITEMS)
    grown, problem = rules.add_item(full, 0, 4)
    assert (grown[0], problem) == ((0, 5), "")


def test_the_messages_name_their_limits():
    assert str(rules.MAX_QUANTITY) in rules.QUANTITY
    assert str(rules.MAX_ITEM_LINES) in rules.TOO_MANY_ITEMS
    assert str(rules.MAX_ASSETS) in rules.TOO_MANY_ASSETS
    assert str(rules.MAX_ATTACHMENTS) in rules.TOO_MANY_FILES


def test_counts_up_to_the_limit_are_fine():
    assert rules.assets_problem(rules.MAX_ASSETS) == ""
    assert rules.assets_problem(rules.MAX_ASSETS + 1) == rules.TOO_MANY_ASSETS
    assert rules.files_problem(rules.MAX_ATTACHMENTS) == ""
    assert rules.files_problem(rules.MAX_ATTACHMENTS + 1) == rules.TOO_MANY_FILES


def test_the_order_number_is_measured_as_it_is_saved():
    assert rules.order_number_problem("x" * rules.MAX_ORDER_NUMBER) == ""
    assert rules.order_number_problem("x" * (rules.MAX_ORDER_NUMBER + 1)) == rules.ORDER_NUMBER_TOO_LONG
    # Runs of spaces and control characters are saved as one space, so they count as one.
    spaced = "PO" + " \t " * 30 + "1"
    assert rules.one_line(spaced) == "PO 1" and rules.order_number_problem(spaced) == ""


def test_the_description_must_be_given_and_not_too_long():
    assert rules.description_problem("  \x00 ") == rules.DESCRIBE
    assert rules.description_too_long("  ") == ""
    longest = "x" * rules.MAX_DESCRIPTION
    assert rules.description_problem(longest) == ""
    too_long = rules.description_problem(longest + "y")
    assert too_long == rules.description_too_long(longest + "y")
    assert f"{rules.MAX_DESCRIPTION + 1:,} characters" in too_long


def test_the_preferred_date_is_today_or_within_the_years_allowed():
    assert rules.preferred_date("", TODAY) == (None, "")
    assert rules.preferred_date(TODAY.isoformat(), TODAY) == (TODAY, "")
    assert (
        rules.preferred_date(TODAY - timedelta(days=1), TODAY)[1]
        == "The preferred date can't be in the past."
    )
    far = TODAY + timedelta(days=366 * rules.PREFERRED_DATE_YEARS + 1)
    assert (
        rules.preferred_date(far, TODAY)[1]
        == f"Choose a date within the next {rules.PREFERRED_DATE_YEARS} years."
    )
    assert rules.preferred_date("not a day", TODAY) == (None, "Choose a date from the calendar.")
    assert rules.preferred_date_problem("9999-12-31", date(2026, 1, 1)) != ""
