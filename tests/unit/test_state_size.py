"""Every client's stored state holds each chart screen's default chart, visited or not."""

from __future__ import annotations

import pickle

import pytest

from portal.state.assets.contracts import ContractsState
from portal.state.reports.budget_forecast import BudgetForecastState
from portal.state.reports.life_cycle import LifeCycleState
from portal.state.reports.monthly_report import MonthlyReportState
from portal.state.reports.ppm import PpmState
from portal.state.reports.published_documents import DocumentsState


@pytest.mark.parametrize(
    "state",
    [PpmState, MonthlyReportState, BudgetForecastState, LifeCycleState, ContractsState, DocumentsState],
)
def test_default_chart_is_small_when_stored(state):
    blank = state.get_fields()["chart"].default_factory()
    assert blank.data == ()
    assert len(pickle.dumps(blank)) < 500, "Plotly's default template (about 5 KB) is left out"
