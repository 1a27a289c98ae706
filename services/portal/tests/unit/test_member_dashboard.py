"""The member dashboard: what each linked site shows, and alerts first."""

from portal.domain.dashboard import Attention, alerts_first, count_items, latest_report, report_has_alert, standing


def audit(audit_id: str, published_at: str | None, letter: str = "B", alert: bool = False, status: str = "report_published"):
    report = None
    if published_at:
        report = {"letter": letter, "compliance_percentage": 80.0, "published_at": published_at,
                  "detail": {"has_alert": alert, "findings": []}}
    return {"audit_id": audit_id, "status": status if report else "mandated", "report": report}


def cap(*items: dict) -> dict:
    return {"cap_id": "c", "items": list(items)}


def item(status: str = "open", overdue: bool = False) -> dict:
    return {"item_id": "i", "status": status, "overdue": overdue}


def test_the_last_published_report_wins_over_older_ones_and_pending_mandates():
    audits = [audit("old", "2026-01-01T00:00:00Z", "A"), audit("new", "2026-06-01T00:00:00Z", "E"),
              audit("pending", None)]

    assert latest_report(audits)["audit_id"] == "new"


def test_a_site_without_a_report_has_no_letter():
    site = standing("f-1", {"name": "Sunrise"}, [audit("pending", None)], [])

    assert site.letter is None and site.percentage is None and not site.has_alert
    assert site.pending_audits == 1


def test_a_zero_tolerance_finding_is_an_alert_even_when_the_flag_is_missing():
    report = {"findings": [{"alert": False, "zero_tolerance_topic": "child_labour"}]}

    assert report_has_alert(report)
    assert not report_has_alert({"detail": {"has_alert": False, "findings": [{"alert": False}]}})


def test_accepted_and_closed_items_are_settled_the_others_count_as_open():
    counts = count_items([cap(item("accepted"), item("closed"), item("open", overdue=True)),
                          cap(item("evidence_submitted"), item("rejected"))])

    assert (counts.open, counts.overdue, counts.awaiting_decision) == (3, 1, 1)


def test_alerts_come_first_then_overdue_items_most_first_then_the_rest_by_name():
    calm_b = standing("f-b", {"name": "Beta"}, [audit("a", "2026-01-01T00:00:00Z")], [])
    calm_a = standing("f-a", {"name": "alpha"}, [], [])
    late_1 = standing("f-l1", {"name": "Late one"}, [], [cap(item(overdue=True))])
    late_3 = standing("f-l3", {"name": "Late three"}, [], [cap(item(overdue=True), item(overdue=True), item(overdue=True))])
    alert = standing("f-x", {"name": "Zulu"}, [audit("x", "2026-01-01T00:00:00Z", "E", alert=True)], [])

    ordered = alerts_first([calm_b, late_1, calm_a, alert, late_3])

    assert [site.factory_id for site in ordered] == ["f-x", "f-l3", "f-l1", "f-a", "f-b"]
    assert [site.attention for site in ordered[:3]] == [Attention.ALERT, Attention.OVERDUE, Attention.OVERDUE]


def test_a_site_the_registry_does_not_know_yet_still_has_a_line():
    site = standing("f-new", None, [], [])

    assert site.name is None and site.attention is Attention.CALM
