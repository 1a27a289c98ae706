"""Rating: a letter from the compliance percentage under a versioned rule set."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared_audits.contracts.enums import RatingLetter


class LetterBand(BaseModel):
    letter: RatingLetter
    min_percentage: float = Field(ge=0, le=100)


class RatingRules(BaseModel):
    version: str
    description: str = ""
    letter_bands: list[LetterBand]
    alert_caps_letter_at: RatingLetter

    def letter_for(self, percentage: float, has_alert: bool) -> RatingLetter:
        """The highest band the percentage reaches; an alert caps the letter."""
        if has_alert:
            return self.alert_caps_letter_at
        for band in sorted(self.letter_bands, key=lambda b: b.min_percentage, reverse=True):
            if percentage >= band.min_percentage:
                return band.letter
        return self.alert_caps_letter_at
