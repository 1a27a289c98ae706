from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RegisterFactory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    city: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=500)


class FactoryOut(BaseModel):
    factory_id: str
    name: str
    country: str
    city: str | None
    address: str | None
    registered_at: datetime
