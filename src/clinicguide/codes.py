"""The stable problem codes that validation and release checks report.

A code never changes meaning once released; editors and CI scripts key on it.
"""

from __future__ import annotations

from typing import Final

#: code -> one-line summary, shown in ``docs/authoring.md`` and ``clinicguide validate --codes``.
PROBLEM_CODES: Final[dict[str, str]] = {
    # Loader: the file cannot be read as a safe, single YAML mapping.
    "CG101": "file cannot be read (missing, unreadable, a folder)",
    "CG102": "file is too large",
    "CG103": "file is not UTF-8 text (binary, UTF-16 or another encoding)",
    "CG104": "YAML syntax error",
    "CG105": "duplicate key in a mapping",
    "CG106": "anchors and aliases are not allowed",
    "CG107": "tag not allowed (only plain YAML values are)",
    "CG108": "nesting too deep",
    "CG109": "file must hold exactly one YAML document",
    "CG110": "document must be a mapping",
    "CG111": "mapping key must be a plain string",
    # Schema: the document does not match the schema it declares.
    "CG201": "unknown field",
    "CG202": "required field missing",
    "CG203": "wrong type",
    "CG204": "value not allowed (not one of the listed values or not in the expected form)",
    "CG205": "number out of bounds",
    "CG206": "list too short, or repeated entries",
    "CG207": "criterion not understood",
    "CG208": "schema version not known",
    "CG209": "text too short or too long",
    # Semantic rules: what a schema cannot express.
    "CG301": "duplicate id within the document",
    "CG302": "duplicate guidance id and version in the library",
    "CG303": "reference to an unknown source",
    "CG304": "reference to an unknown risk",
    "CG305": "reference to an unknown indication",
    "CG306": "range low is greater than high",
    "CG307": "moderate or severe risk not disclosed by any consent item",
    "CG308": "changelog has no entry for the document's version",
    "CG309": "active status needs an approval date and a later next-review date",
    "CG310": "code not in the verified code table, or display differs",
    "CG311": "declared source never cited",
    "CG312": "invalid date",
    "CG313": "period missing or misplaced on a maximum",
    "CG314": "duplicate criterion id within the document",
    "CG315": "content changed without a version bump",
    "CG316": "maximum in a unit that cannot be compared with its parameter's ranges",
    "CG317": "control or bidi character in text (line breaks and tabs only in prose)",
    "CG318": "a test inside an evidence criterion has an id (answers settle the evidence criterion)",
    "CG319": "a field name and colon inside a text: a field indented one level too deep became part of the text",
    "CG320": "TODO marker left in the document",
    "CG321": "source with neither a URL nor an identifier (a warning in a draft, an error in an active document)",
    "CG322": "a conditional consent statement names an undeclared applicability, or asks its condition differently",
    "CG323": "a site's guidance folder holds a document with a packaged guidance id",
    # Release bundles and patients are reported through the same channel.
    "CG401": "release bundle file missing",
    "CG402": "release bundle file not in the manifest",
    "CG403": "release bundle file altered (size or SHA-256 differs)",
    "CG404": "release bundle or manifest malformed or unsafe",
    "CG405": "release tree holds a symbolic link or a special file (a release packs regular files only)",
    "CG406": "schema in a bundle cannot be used safely (a reference outside the bundle, a pattern that needs backtracking)",
    # Reading level: a warning, validation still passes (exit 0).
    "CG501": "patient-facing text reads above US grade 8 (Flesch-Kincaid)",
}
