"""What the registration schema refuses, field by field."""

import pytest
from pydantic import ValidationError

from factory_registry.entrypoints.http.schemas import RegisterFactory

VALID = {"name": "Sunrise Garments", "country": "BD"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "bd"}, "country"),
        ({"coordinates": {"lat": 91, "lon": 0}}, "coordinates.lat"),
        ({"coordinates": {"lat": 0, "lon": "east"}}, "coordinates.lon"),
        ({"identifiers": {"duns": "12345678"}}, "identifiers.duns"),
        ({"identifiers": {"lei": "5493001KJTIIGC8Y1R13"}}, "identifiers.lei"),
        ({"name": "x" * 201}, "name"),
        ({"colour": "blue"}, "colour"),
        ({"contact": {"name": "HR"}}, "contact"),
    ],
)
def test_bad_site_values_are_refused_with_their_field(changes: dict, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        RegisterFactory.model_validate({**VALID, **changes})
    assert field in {".".join(str(p) for p in e["loc"]) for e in refused.value.errors()}


def test_a_valid_lei_and_full_details_are_accepted() -> None:
    body = RegisterFactory.model_validate({
        **VALID,
        "coordinates": {"lat": 23.99, "lon": 90.42},
        "identifiers": {"lei": "5493001KJTIIGC8Y1R12", "duns": "123456789", "os_id": "BD2019085D7K3YZ",
                        "national_registration": {"country": "BD", "number": "C-12345/2019"}},
        "contact": {"email": "compliance@sunrise.example"},
    })
    assert body.details().identifiers.keys()["national_registration"] == "national:BD:C123452019"
