"""The instrument files load, say where they come from, and a mistake in one is reported with file, entry and field."""

import re
from pathlib import Path

import msgspec
import pytest
import yaml

from matching import instruments
from matching.errors import NotFound
from matching.instruments import Instrument, InstrumentFileError

SHIPPED = {
    "intake",
    "ahc-hrsn",
    "phq-9",
    "gad-7",
    "audit-c",
    "drug-screen",
    "who-5",
    "healthy-days",
    "self-sufficiency",
}
LOINC = re.compile(r"^\d{1,6}-\d$")


def test_every_instrument_of_the_api_contract_is_shipped() -> None:
    assert set(instruments.catalogue()) == SHIPPED


def test_licensed_instruments_are_not_shipped() -> None:
    names = {path.stem.lower() for path in instruments.INSTRUMENT_DIR.glob("*.yaml")}
    assert not names & {"dast-10", "dast", "whodas", "whodas-2", "dla-20", "dla"}


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_each_file_names_its_source_and_licence_and_has_both_titles(code: str) -> None:
    instrument = instruments.instrument(code)
    assert instrument.source.strip() and instrument.licence.strip()
    assert instrument.title.en and instrument.title.es


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_question_codes_are_loinc_codes_or_local_codes_of_the_instrument(code: str) -> None:
    for question in instruments.instrument(code).questions:
        assert LOINC.match(question.code) or question.code.startswith(f"{code}."), question.code


def test_published_codes_are_kept() -> None:
    phq9 = instruments.instrument("phq-9")
    assert [q.code for q in phq9.questions[:9]] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    assert [(o.code, o.score) for o in phq9.questions[8].options] == [
        ("LA6568-5", 0),
        ("LA6569-3", 1),
        ("LA6570-1", 2),
        ("LA6571-9", 3),
    ]
    ahc = instruments.instrument("ahc-hrsn")
    assert [q.code for q in ahc.questions if q.required] == [
        "71802-3",
        "96778-6",
        "88122-7",
        "88123-5",
        "93030-5",
        "96779-4",
        "95618-5",
        "95617-7",
        "95616-9",
        "95615-1",
    ]


def test_the_phq9_total_ranges_from_0_to_27_and_the_ahc_safety_score_from_4_to_20() -> None:
    def range_of(code: str, score: str) -> tuple[int, int]:
        instrument = instruments.instrument(code)
        definition = next(d for d in instrument.scores if d.code == score)
        return instruments.score_range(definition, {q.code: q for q in instrument.questions})

    assert range_of("phq-9", "total") == (0, 27)
    assert range_of("gad-7", "total") == (0, 21)
    assert range_of("audit-c", "total") == (0, 12)
    assert range_of("ahc-hrsn", "safety") == (4, 20)
    assert range_of("who-5", "percentage") == (0, 100)
    assert range_of("healthy-days", "healthy-days") == (0, 30)


def test_instruments_are_what_the_api_returns_as_json() -> None:
    encoded = msgspec.json.encode(instruments.instrument("phq-9"))
    assert msgspec.json.decode(encoded, type=Instrument) == instruments.instrument("phq-9")
    assert msgspec.json.schema(Instrument)["$ref"].endswith("/Instrument")


def test_an_unknown_instrument_is_not_found() -> None:
    with pytest.raises(NotFound, match="dast-10"):
        instruments.instrument("dast-10")


# --- mistakes in a file ------------------------------------------------------------------------------------------


def minimal() -> dict:
    return {
        "code": "example",
        "version": "1",
        "title": {"en": "Example", "es": "Ejemplo"},
        "source": "Test",
        "licence": "Test",
        "questions": [
            {
                "code": "example.1",
                "text": {"en": "How often?"},
                "type": "choice",
                "options": [
                    {"code": "never", "label": {"en": "Never"}, "score": 0},
                    {"code": "often", "label": {"en": "Often"}, "score": 1},
                ],
            },
            {"code": "example.2", "text": {"en": "How many days?"}, "type": "number", "minimum": 0, "maximum": 7},
        ],
        "scores": [
            {
                "code": "total",
                "label": {"en": "Total"},
                "items": ["example.1", "example.2"],
                "bands": [
                    {"min": 0, "max": 3, "code": "low", "label": {"en": "Low"}},
                    {"min": 4, "max": 8, "code": "high", "label": {"en": "High"}},
                ],
            }
        ],
        "positive": [{"domain": "stress", "label": {"en": "High"}, "when": {"score": "total", "at_least": 4}}],
        "alerts": [],
    }


def write(tmp_path: Path, data: dict, name: str = "example.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problem(tmp_path: Path, data: dict, name: str = "example.yaml") -> str:
    path = write(tmp_path, data, name)
    with pytest.raises(InstrumentFileError) as caught:
        instruments.read(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    return message.removeprefix(f"{path}: ")


def test_a_correct_minimal_file_loads(tmp_path: Path) -> None:
    write(tmp_path, minimal())
    assert list(instruments.load(tmp_path)) == ["example"]


def test_a_wrong_type_names_the_question_the_option_and_the_field(tmp_path: Path) -> None:
    data = minimal()
    data["questions"][0]["options"][1]["score"] = "one"
    assert problem(tmp_path, data) == "question example.1: option often: score: Expected `int | null`, got `str`"


def test_a_misspelled_field_is_reported_not_ignored(tmp_path: Path) -> None:
    data = minimal()
    data["questions"][1]["maximun"] = 7
    assert problem(tmp_path, data) == "question example.2: Object contains unknown field `maximun`"


def test_a_missing_field_is_reported(tmp_path: Path) -> None:
    data = minimal()
    del data["questions"][0]["text"]
    assert problem(tmp_path, data) == "question example.1: Object missing required field `text`"


def test_the_code_must_match_the_file_name(tmp_path: Path) -> None:
    assert "the file is named other.yaml" in problem(tmp_path, minimal(), "other.yaml")


def test_a_question_code_used_twice_is_refused(tmp_path: Path) -> None:
    data = minimal()
    data["questions"][1]["code"] = "example.1"
    assert problem(tmp_path, data) == "question example.1: this code is used twice"


def test_bands_with_a_gap_are_refused(tmp_path: Path) -> None:
    data = minimal()
    data["scores"][0]["bands"][1]["min"] = 5
    assert problem(tmp_path, data).startswith("score total: bands: band high: starts at 5 but should start at 4")


def test_bands_that_stop_short_of_the_highest_score_are_refused(tmp_path: Path) -> None:
    data = minimal()
    data["scores"][0]["bands"][1]["max"] = 7
    assert problem(tmp_path, data) == "score total: bands: the last band ends at 7 but the score can reach 8"


def test_a_rule_about_a_question_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    data = minimal()
    data["positive"][0]["when"] = {"any": [{"question": "example.9", "at_least": 1}]}
    assert problem(tmp_path, data) == "positive rule for stress: when: any[0]: there is no question example.9"


def test_a_rule_about_an_answer_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    data = minimal()
    data["alerts"] = [
        {
            "code": "danger",
            "label": {"en": "Danger"},
            "action": {"en": "Act"},
            "when": {"question": "example.1", "answer_in": ["always"]},
        }
    ]
    assert problem(tmp_path, data) == "alert danger: when: question example.1 has no option always"


def test_a_cut_off_by_sex_gives_exactly_male_and_female(tmp_path: Path) -> None:
    data = minimal()
    data["positive"][0]["when"] = {"score": "total", "at_least": {"male": 4, "women": 3}}
    assert "one number for male and one for female" in problem(tmp_path, data)


def test_a_score_over_a_question_without_scores_is_refused(tmp_path: Path) -> None:
    data = minimal()
    del data["questions"][0]["options"][0]["score"]
    assert "question example.1 cannot be scored" in problem(tmp_path, data)


def test_yes_without_quotes_is_explained_by_its_type(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    text = yaml.safe_dump(minimal()).replace("code: never", "code: yes")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        InstrumentFileError, match=r"question example\.1: options\[0\]: code: Expected `str`, got `bool`"
    ):
        instruments.read(path)


def test_a_file_that_is_not_yaml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(InstrumentFileError, match=str(path)):
        instruments.read(path)
