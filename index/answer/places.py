"""Names of countries and of US states: "which country" and "which state" questions are
answered by one of them, and a list is the part of a named-entity recogniser that such a
question needs."""

from __future__ import annotations

import functools
import re
import string

COUNTRIES = frozenset(
    """afghanistan albania algeria andorra angola argentina armenia australia austria
    azerbaijan bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan
    bolivia bosnia botswana brazil brunei bulgaria burkina burundi cambodia cameroon canada
    chad chile china colombia comoros congo croatia cuba cyprus czechia denmark djibouti
    dominica ecuador egypt eritrea estonia eswatini ethiopia fiji finland france gabon
    gambia georgia germany ghana greece greenland grenada guatemala guinea guyana haiti
    honduras hungary iceland india indonesia iran iraq ireland israel italy jamaica japan
    jordan kazakhstan kenya kiribati kosovo kuwait kyrgyzstan laos latvia lebanon lesotho
    liberia libya liechtenstein lithuania luxembourg madagascar malawi malaysia maldives
    mali malta mauritania mauritius mexico micronesia moldova monaco mongolia montenegro
    morocco mozambique myanmar burma namibia nauru nepal netherlands holland nicaragua niger
    nigeria norway oman pakistan palau palestine panama paraguay peru philippines poland
    portugal qatar romania russia rwanda samoa senegal serbia seychelles singapore
    slovakia slovenia somalia spain sudan suriname sweden switzerland syria taiwan
    tajikistan tanzania thailand togo tonga tunisia turkey türkiye turkmenistan tuvalu
    uganda ukraine uruguay uzbekistan vanuatu vatican venezuela vietnam yemen zambia
    zimbabwe england scotland wales""".split()
) | frozenset(
    {
        "united states",
        "united states of america",
        "america",
        "united kingdom",
        "britain",
        "great britain",
        "south africa",
        "south korea",
        "north korea",
        "korea",
        "new zealand",
        "saudi arabia",
        "united arab emirates",
        "sri lanka",
        "costa rica",
        "el salvador",
        "the bahamas",
        "dominican republic",
        "czech republic",
        "ivory coast",
        "sierra leone",
        "papua new guinea",
        "east timor",
        "south sudan",
        "north macedonia",
        "san marino",
        "cape verde",
        "trinidad and tobago",
        "central african republic",
        "equatorial guinea",
        "puerto rico",
    }
)

US_STATES = frozenset(
    """alabama alaska arizona arkansas california colorado connecticut delaware florida
    georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland
    massachusetts michigan minnesota mississippi missouri montana nebraska nevada ohio
    oklahoma oregon pennsylvania tennessee texas utah vermont virginia washington
    wisconsin wyoming""".split()
) | frozenset(
    {
        "new hampshire",
        "new jersey",
        "new mexico",
        "new york",
        "north carolina",
        "north dakota",
        "rhode island",
        "south carolina",
        "south dakota",
        "west virginia",
    }
)

PLACES = COUNTRIES | US_STATES

_LISTS = {
    "country": COUNTRIES,
    "countries": COUNTRIES,
    "nation": COUNTRIES,
    "state": US_STATES,
    "states": US_STATES,
}


def place_pattern(noun: str | None) -> re.Pattern[str] | None:
    """The names a "which ``noun``" question is answered by, when there is a list of
    them: capitalised, as a name stands in a sentence."""
    names = _LISTS.get(noun or "")
    return _pattern(names) if names else None


@functools.cache
def _pattern(names: frozenset[str]) -> re.Pattern[str]:
    longest_first = sorted(names, key=len, reverse=True)
    alternatives = "|".join(re.escape(string.capwords(text)) for text in longest_first)
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])")
