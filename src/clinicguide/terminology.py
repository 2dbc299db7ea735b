"""The verified code table: the only codes guidance may use, with their displays.

Each code here was seen with this display in a public source (the content brief's
table). A code whose display could not be verified is deliberately absent.
"""

from __future__ import annotations

from typing import Final

SNOMED: Final = "http://snomed.info/sct"
LOINC: Final = "http://loinc.org"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM: Final = "http://unitsofmeasure.org"

#: (system, code) -> display
VERIFIED_CODES: Final[dict[tuple[str, str], str]] = {
    (SNOMED, "77386006"): "Pregnant (finding)",
    (SNOMED, "866041003"): "Mother currently breastfeeding (situation)",
    (SNOMED, "169750002"): "Mother currently breast-feeding (finding)",
    (SNOMED, "19824006"): "Infection of skin and/or subcutaneous tissue (disorder)",
    (SNOMED, "108365000"): "Infection of skin (disorder)",
    (SNOMED, "235055003"): "Oral herpes simplex infection",
    (SNOMED, "11381005"): "Acne",
    (SNOMED, "60001007"): "Not pregnant (finding)",
    (SNOMED, "102874004"): "Possible pregnancy (finding)",
    (SNOMED, "10828004"): "Positive (qualifier value)",
    (SNOMED, "260385009"): "Negative (qualifier value)",
    (LOINC, "LA15173-0"): "Pregnant",
    (LOINC, "LA26683-5"): "Not pregnant",
    (LOINC, "LA4489-6"): "Unknown",
    (RXNORM, "197843"): "isotretinoin 10 MG Oral Capsule",
    (RXNORM, "197844"): "isotretinoin 20 MG Oral Capsule",
    (RXNORM, "403930"): "isotretinoin 30 MG Oral Capsule",
    (RXNORM, "197845"): "isotretinoin 40 MG Oral Capsule",
    (LOINC, "82810-3"): "Pregnancy status",
    (LOINC, "2106-3"): "Choriogonadotropin (pregnancy test) [Presence] in Urine",
    (LOINC, "2118-8"): "Choriogonadotropin (pregnancy test) [Presence] in Serum or Plasma",
    (LOINC, "1742-6"): "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
    (LOINC, "57698-3"): "Lipid panel with direct LDL - Serum or Plasma",
    (LOINC, "29463-7"): "Body weight",
}

BODY_WEIGHT: Final = (LOINC, "29463-7")
