"""The demo seed tells the whole story against the real stack."""

import pytest
from shared_audits_client.demo import seed
from tests.integration.stack import Stack

# serial: seeds the demo organisations other tests read (runs after the parallel part of make test).
pytestmark = pytest.mark.serial


def test_the_demo_has_every_letter_a_critical_alert_and_a_cap_half_done(stack: Stack) -> None:
    summary = seed(stack.gateway_url, stack.operator_client_id, stack.operator_client_secret)
    assert summary["letters"] == ["A", "B", "C", "D", "E"]
    alerts = [audit for audit in summary["audits"] if audit["alert"]]
    assert [audit["letter"] for audit in alerts] == ["E"]
    assert {audit["mandated_by"] for audit in summary["audits"]} == {"Brand A", "Brand B"}
    assert len({audit["site"] for audit in summary["audits"]}) == 3
    cap = summary["half_done_cap"]
    assert (cap["items_closed"], cap["items_total"]) == (1, 2)
