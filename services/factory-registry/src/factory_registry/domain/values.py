"""Value objects of a production site: country, coordinates, identifiers, contact.

Each validates itself, so a bad value is refused at the edge with the field's name.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from stdnum import lei as lei_number
from stdnum.exceptions import ValidationError as NumberValidationError


class Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _iso_country(code: str) -> str:
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    AfterValidator(_iso_country),
    Field(description="ISO 3166-1 alpha-2, upper case", examples=["BD"]),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Coordinates(Value):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)

    def distance_m(self, other: Coordinates) -> float:
        """Great-circle distance (haversine, mean Earth radius)."""
        lat1, lon1, lat2, lon2 = map(math.radians, (self.lat, self.lon, other.lat, other.lon))
        a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * 6_371_008.8 * math.asin(math.sqrt(min(1.0, a)))


def _valid_lei(value: str) -> str:
    try:
        return lei_number.validate(value)
    except NumberValidationError as error:
        raise ValueError(f"not a valid LEI (ISO 17442, 20 characters with check digits): {error}") from error


class NationalRegistration(Value):
    country: CountryCode
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class Identifiers(Value):
    os_id: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[0-9A-Z]{8,20}$")] | None = Field(
        default=None, description="Open Supply Hub id", examples=["BD2019085D7K3YZ"]
    )
    duns: Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")] | None = Field(
        default=None, description="D-U-N-S number, 9 digits"
    )
    lei: Annotated[str, StringConstraints(min_length=20, max_length=20), AfterValidator(_valid_lei)] | None = (
        Field(default=None, description="Legal Entity Identifier (ISO 17442)")
    )
    national_registration: NationalRegistration | None = None

    def keys(self) -> dict[str, str]:
        """One globally unique key per identifier, by the field that holds it."""
        keys = {}
        if self.os_id:
            keys["os_id"] = f"os_id:{self.os_id}"
        if self.duns:
            keys["duns"] = f"duns:{self.duns}"
        if self.lei:
            keys["lei"] = f"lei:{self.lei}"
        if self.national_registration:
            number = "".join(ch for ch in self.national_registration.number.upper() if ch.isalnum())
            keys["national_registration"] = f"national:{self.national_registration.country}:{number}"
        return keys

    def is_empty(self) -> bool:
        return not self.keys()


_WORKER_RANGE = re.compile(r"^\s*(\d{1,7})\s*(?:-|–|to)\s*(\d{1,7})\s*$")


class NumberOfWorkers(Value):
    """How many work at the site, as Open Supply Hub gives it: a number (min = max) or a range."""

    min: int = Field(ge=0, le=1_000_000)
    max: int = Field(ge=0, le=1_000_000)

    @model_validator(mode="before")
    @classmethod
    def _from_number_or_range(cls, value: object) -> object:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return {"min": value, "max": value}
        if isinstance(value, str):
            found = _WORKER_RANGE.match(value)
            if found:
                return {"min": int(found[1]), "max": int(found[2])}
            if value.strip().isdigit():
                return {"min": int(value), "max": int(value)}
            raise ValueError("a number of workers or a range such as 1001-5000")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> NumberOfWorkers:
        if self.min > self.max:
            raise ValueError("min is more than max")
        return self


WorkerCountText = Annotated[str, StringConstraints(pattern=r"^\s*\d{1,7}(\s*(-|–|to)\s*\d{1,7})?\s*$")]
NumberOfWorkersIn = Annotated[
    NumberOfWorkers | Annotated[int, Field(ge=0, le=1_000_000)] | WorkerCountText,
    Field(description="A number, a range as text (\"1001-5000\", as Open Supply Hub writes it) or {min, max}",
          examples=["1001-5000", 450, {"min": 100, "max": 500}]),
]


class Contact(Value):
    name: Text | None = None
    email: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: Annotated[str, StringConstraints(max_length=30, pattern=r"^\+?[0-9 ()\-]{5,30}$")] | None = None

    @model_validator(mode="after")
    def _some_way_to_reach(self) -> Contact:
        if not (self.email or self.phone):
            raise ValueError("a contact needs an email or a phone number")
        return self
