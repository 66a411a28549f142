"""Waypost's own vocabularies (categories, eligibility, insurance, capacity) and the Open Eligibility crosswalk.

They are data in ``seed_data/taxonomy/``. Loading checks them and says which file and entry is wrong. In the catalog
they are ordinary HSDS taxonomies and terms, with ids from ``directory.ids``, upserted by every import so that the
terms an imported attribute points at always exist.
"""

import csv
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import yaml

from directory.ids import stable_id, taxonomy_id, term_id

if TYPE_CHECKING:
    from directory.importer import Batch

TAXONOMY_DIR = Path(__file__).resolve().parent.parent / "seed_data" / "taxonomy"

# taxonomy code -> (file, the attribute link_type its terms are used with)
TAXONOMIES = {
    "waypost-categories": ("categories.yaml", "category"),
    "waypost-eligibility": ("eligibility.yaml", "eligibility"),
    "waypost-insurance": ("insurance.yaml", "insurance"),
    "waypost-capacity": ("capacity.yaml", "capacity"),
}
LINK_TYPE_TAXONOMY = {link_type: code for code, (_, link_type) in TAXONOMIES.items()}
CROSSWALK_KIND_TAXONOMY = {"category": "waypost-categories", "eligibility": "waypost-eligibility"}


class VocabularyError(ValueError):
    pass


@dataclass(frozen=True)
class Term:
    taxonomy: str
    code: str
    name: dict[str, str]
    description: dict[str, str]
    parent: str | None = None
    gravity: tuple[str, ...] = ()
    group: str | None = None

    @property
    def id(self) -> UUID:
        return term_id(self.taxonomy, self.code)


@dataclass(frozen=True)
class Vocabularies:
    taxonomies: dict[str, dict[str, str]]
    terms: dict[tuple[str, str], Term]
    # Open Eligibility id or lower-cased title -> (crosswalk kind, Waypost code)
    open_eligibility: dict[str, tuple[str, str]] = field(default_factory=dict)

    @cached_property
    def record_ids(self) -> frozenset[UUID]:
        """The ids of Waypost's taxonomies and terms as catalog records."""
        return frozenset({taxonomy_id(code) for code in self.taxonomies} | {t.id for t in self.terms.values()})

    @cached_property
    def by_id(self) -> dict[UUID, Term]:
        return {term.id: term for term in self.terms.values()}

    def term(self, taxonomy: str, code: str) -> Term:
        return self.terms[(taxonomy, code)]

    def batch(self) -> "Batch":
        """The taxonomies and terms as catalog rows, ready for ``CatalogWriter.write``."""
        from directory.importer import Batch

        batch = Batch()
        for code, taxonomy in self.taxonomies.items():
            origin = (f"seed_data/taxonomy/{TAXONOMIES[code][0]}", code)
            batch.add(
                "taxonomy",
                {
                    "id": taxonomy_id(code),
                    "name": taxonomy["name"],
                    "description": taxonomy["description"],
                    "uri": None,
                    "version": taxonomy.get("version"),
                },
                origin,
            )
        for term in self.terms.values():
            origin = (f"seed_data/taxonomy/{TAXONOMIES[term.taxonomy][0]}", term.code)
            batch.add(
                "taxonomy_term",
                {
                    "id": term.id,
                    "code": term.code,
                    "name": term.name["en"],
                    "description": term.description["en"],
                    "parent_id": term_id(term.taxonomy, term.parent) if term.parent else None,
                    "taxonomy": self.taxonomies[term.taxonomy]["name"],
                    "language": "en",
                    "taxonomy_id": taxonomy_id(term.taxonomy),
                    "term_uri": None,
                },
                origin,
            )
        return batch

    def crosswalk(
        self, attribute: dict[str, Any], term: dict[str, Any], taxonomy: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """For an attribute carrying an Open Eligibility term, the attribute carrying Waypost's matching term."""
        source = (
            " ".join(
                str(value or "")
                for value in (
                    term.get("taxonomy"),
                    term.get("term_uri"),
                    *((taxonomy.get("name"), taxonomy.get("uri")) if taxonomy else ()),
                )
            )
            .lower()
            .replace(" ", "")
        )
        if "openeligibility" not in source:
            return None
        match = self.open_eligibility.get(str(term.get("code") or "").strip()) or self.open_eligibility.get(
            str(term.get("name") or "").strip().lower()
        )
        if match is None:
            return None
        kind, code = match
        return {
            "id": stable_id("crosswalk", str(attribute["id"])),
            "link_id": attribute.get("link_id"),
            "taxonomy_term_id": term_id(CROSSWALK_KIND_TAXONOMY[kind], code),
            "link_type": kind,
            "link_entity": attribute.get("link_entity"),
            "value": None,
        }


def _bilingual(entry: dict[str, Any], key: str, where: str) -> dict[str, str]:
    value = entry.get(key)
    if not isinstance(value, dict) or not value.get("en") or not value.get("es"):
        raise VocabularyError(f"{where}: {key} needs both an English (en) and a Spanish (es) text")
    return {"en": str(value["en"]), "es": str(value["es"])}


def _terms(taxonomy: str, entries: Any, where: str, parent: str | None = None) -> list[Term]:
    if not isinstance(entries, list):
        raise VocabularyError(f"{where}: terms must be a list")
    terms: list[Term] = []
    for index, entry in enumerate(entries):
        place = f"{where}: terms[{index}]"
        code = entry.get("code") if isinstance(entry, dict) else None
        if not code:
            raise VocabularyError(f"{place}: code is required")
        place = f"{where}: term {code}"
        terms.append(
            Term(
                taxonomy=taxonomy,
                code=code,
                parent=parent,
                group=entry.get("group"),
                name=_bilingual(entry, "name", place),
                description=_bilingual(entry, "description", place),
                gravity=tuple(entry.get("gravity") or ()),
            )
        )
        terms += _terms(taxonomy, entry.get("children") or [], where, parent=code)
    return terms


def load(directory: Path = TAXONOMY_DIR) -> Vocabularies:
    taxonomies: dict[str, dict[str, str]] = {}
    terms: dict[tuple[str, str], Term] = {}
    for code, (filename, _) in TAXONOMIES.items():
        path = directory / filename
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise VocabularyError(f"{path}: {error}") from None
        header = data.get("taxonomy") or {}
        if header.get("code") != code or not header.get("name") or not header.get("description"):
            raise VocabularyError(f"{path}: taxonomy needs code {code!r}, a name and a description")
        taxonomies[code] = {k: str(v) for k, v in header.items()}
        for term in _terms(code, data.get("terms"), str(path)):
            if (code, term.code) in terms:
                raise VocabularyError(f"{path}: term {term.code} appears twice")
            terms[(code, term.code)] = term
    return Vocabularies(taxonomies, terms, _open_eligibility(directory / "open_eligibility_crosswalk.csv", terms))


def _open_eligibility(path: Path, terms: dict[tuple[str, str], Term]) -> dict[str, tuple[str, str]]:
    mapping: dict[str, tuple[str, str]] = {}
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    for number, row in enumerate(csv.DictReader(lines), start=2):
        kind, code = row["kind"], row["waypost_code"]
        if kind not in CROSSWALK_KIND_TAXONOMY or (CROSSWALK_KIND_TAXONOMY[kind], code) not in terms:
            raise VocabularyError(f"{path}: row {number}: no {kind} term {code!r} in Waypost's vocabularies")
        mapping[row["open_eligibility_id"].strip()] = (kind, code)
        mapping.setdefault(row["open_eligibility_title"].strip().lower(), (kind, code))
    return mapping


@cache
def default() -> Vocabularies:
    return load()
