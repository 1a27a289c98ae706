import pytest

from audit_service.adapters.rules import load_rating_rules


@pytest.mark.parametrize(
    ("percentage", "letter"),
    [(100, "A"), (86, "A"), (85.9, "B"), (71, "B"), (70.5, "C"), (51, "C"), (50, "D"), (30, "D"), (29.9, "E"), (0, "E")],
)
def test_the_default_bands_give_the_letter(percentage: float, letter: str) -> None:
    assert load_rating_rules().letter_for(percentage, has_alert=False) == letter


def test_any_alert_caps_the_letter_at_e_whatever_the_percentage() -> None:
    assert load_rating_rules().letter_for(85, has_alert=True) == "E"


def test_the_rule_set_is_versioned_data() -> None:
    assert load_rating_rules().version == "2026.1"
