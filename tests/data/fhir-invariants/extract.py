"""Write invariants-R4.json / invariants-R5.json from the FHIR core definitions (see README.md).

Usage: python extract.py R4 DIR   (DIR holds profiles-resources.json and profiles-types.json)
       python extract.py R5 DIR   (DIR holds the package's StructureDefinition-*.json files)

Only what the tests need is kept: for the resource types clinicguide emits and every complex
type they use, each element's types, content reference and the keys of its constraints, and
each constraint's severity, human text and FHIRPath expression.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESOURCES = ("Resource", "DomainResource", "Bundle", "CarePlan", "Questionnaire", "QuestionnaireResponse", "DetectedIssue",
             "Provenance", "Consent",
             "PlanDefinition", "ActivityDefinition", "CodeSystem", "Task", "ServiceRequest", "MedicationRequest")


def definitions(version: str, folder: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    if version == "R4":
        for name in ("profiles-resources.json", "profiles-types.json"):
            for entry in json.loads((folder / name).read_text(encoding="utf-8"))["entry"]:
                resource = entry["resource"]
                if resource.get("resourceType") == "StructureDefinition" and resource.get("derivation") != "constraint":
                    found[resource["id"]] = resource
    else:
        for path in folder.glob("StructureDefinition-*.json"):
            resource = json.loads(path.read_text(encoding="utf-8"))
            if (resource.get("derivation") != "constraint" and resource.get("kind") in ("resource", "complex-type")) \
                    or resource.get("id") in ("Resource", "DomainResource"):
                found[resource["id"]] = resource
    return found


def main(version: str, folder: Path) -> None:
    sds = definitions(version, folder)
    wanted, done, out, constraints = list(RESOURCES), set(), {}, {}
    while wanted:
        name = wanted.pop()
        if name in done or name not in sds:
            continue
        done.add(name)
        sd = sds[name]
        elements = {}
        for element in sd["snapshot"]["element"]:
            keys = []
            for constraint in element.get("constraint", []):
                if "expression" not in constraint:
                    continue
                keys.append(constraint["key"])
                constraints[constraint["key"]] = {"severity": constraint["severity"], "human": constraint["human"],
                                                  "expression": constraint["expression"]}
            types = [t["code"] for t in element.get("type", [])]
            entry: dict[str, Any] = {"types": types, "constraints": keys}
            if "contentReference" in element:
                entry["ref"] = element["contentReference"].split("#", 1)[1]
            elements[element["path"]] = entry
            wanted += [t for t in types if t in sds and sds[t].get("kind") == "complex-type"]
        base = sd.get("baseDefinition", "").rsplit("/", 1)[-1] or None
        out[name] = {"kind": sd["kind"], "base": base, "elements": elements}
    source = sds.get("Resource", {})
    print(json.dumps({"fhirVersion": source.get("version") or sds["Bundle"].get("fhirVersion"),
                      "definitions": dict(sorted(out.items())), "constraints": dict(sorted(constraints.items()))},
                     indent=0, sort_keys=False))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
