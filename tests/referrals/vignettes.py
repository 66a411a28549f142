"""Client vignettes on the seed region (Portland, Oregon and Vancouver, Washington) for ``POST /api/v1/match``.

Each vignette is a request as a case manager would send it and what a good match must show: the needs found,
services expected among the first proposals for a need, and services that must never be proposed because the
client may not use them (wrong age, gender, area, language, or closed). Names are seed services
(``seed_data/catalog/services.json``), with their organization where a name is used twice.
"""

from dataclasses import dataclass, field
from typing import Any

PHQ9 = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]
GAD7 = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]  # not at all, several days, more than half, nearly every
HITS = ["LA6270-8", "LA10066-1", "LA10082-8", "LA16644-9", "LA6482-9"]  # never .. frequently (1 to 5)
# A Tuesday morning in the demo region, so that "open now" is the same on every run.
AT = "2026-11-24T10:30:00-08:00"


def phq9(*items: int) -> dict[str, Any]:
    return {"instrument": "phq-9", "answers": {code: FREQUENCY[score] for code, score in zip(PHQ9, items, strict=True)}}


def gad7(*items: int) -> dict[str, Any]:
    return {"instrument": "gad-7", "answers": {code: FREQUENCY[score] for code, score in zip(GAD7, items, strict=True)}}


def ahc(**answers: str | list[str]) -> dict[str, Any]:
    """AHC HRSN answers by the names below; the core questions not named are answered with "no problem"."""
    codes = {
        "housing": "71802-3",
        "quality": "96778-6",
        "food_worry": "88122-7",
        "food_ran_out": "88123-5",
        "transport": "93030-5",
        "utilities": "96779-4",
        "hurt": "95618-5",
        "insult": "95617-7",
        "threaten": "95616-9",
        "scream": "95615-1",
        "lonely": "93159-2",
        "daily_help": "96781-0",
        "money": "76513-1",
        "work": "96780-2",
    }
    core = {
        "housing": "LA31993-1",
        "quality": ["LA9-3"],
        "food_worry": "LA28398-8",
        "food_ran_out": "LA28398-8",
        "transport": "LA32-8",
        "utilities": "LA32-8",
        "hurt": HITS[0],
        "insult": HITS[0],
        "threaten": HITS[0],
        "scream": HITS[0],
    }
    return {"instrument": "ahc-hrsn", "answers": {codes[name]: value for name, value in (core | answers).items()}}


@dataclass(frozen=True)
class Vignette:
    name: str
    body: dict[str, Any]
    needs: set[str]  # exactly the needs found
    top: dict[str, list[str]]  # need -> services that must be among its first three proposals
    never: list[str]  # services never proposed for any need
    listed: dict[str, list[str]] = field(default_factory=dict)  # need -> services among its proposals
    excluded: dict[str, str] = field(default_factory=dict)  # service -> words its exclusion reasons must contain
    alerts: set[str] = field(default_factory=set)
    first_need: str | None = None


def request(client: dict[str, Any], *responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"client": client, "responses": list(responses), "at": AT, **extra}


VIGNETTES = [
    Vignette(
        name="homeless woman with limited English (Spanish)",
        body=request(
            {
                "age": 38,
                "sex": "female",
                "preferred_language": "es",
                "limited_english": True,
                "postal_code": "97233",
                "insurance": ["medicaid"],
                "situations": [],
            },
            ahc(housing="LA31995-6", food_worry="LA28397-0"),
        ),
        needs={"homelessness", "food", "language-access"},
        top={"homelessness": ["Women's Overnight Shelter"], "food": ["Community Grocery Market"]},
        listed={"food": ["Emergency Food Boxes"]},
        never=["Men's Overnight Shelter", "Youth Emergency Shelter", "Day Shelter", "Winter Rotating Shelter"],
        excluded={"Men's Overnight Shelter": "Only for men", "Winter Rotating Shelter": "Spanish"},
    ),
    Vignette(
        name="veteran at risk of eviction who drinks heavily",
        body=request(
            {
                "age": 52,
                "sex": "male",
                "preferred_language": "en",
                "postal_code": "97266",
                "household_size": 1,
                "monthly_income": 1400,
                "insurance": ["va", "medicaid"],
                "situations": ["veteran"],
            },
            ahc(housing="LA31994-9"),
            {
                "instrument": "audit-c",
                "answers": {"68518-0": "LA18929-2", "68519-8": "LA18930-0", "68520-6": "LA18891-4"},
            },
        ),
        needs={"housing-instability", "substance-use"},
        top={
            "housing-instability": ["Veteran Rent and Move-In Help"],
            "substance-use": ["Outpatient Addiction Treatment"],
        },
        never=["Women's Residential Treatment", "Teen Outpatient Treatment", "Co-Ed Residential Treatment"],
    ),
    Vignette(
        name="teenager with thoughts of self-harm",
        body=request(
            {
                "age": 15,
                "sex": "female",
                "preferred_language": "en",
                "postal_code": "97214",
                "insurance": ["medicaid"],
                "situations": [],
            },
            phq9(2, 2, 1, 2, 1, 2, 1, 0, 1),
        ),
        needs={"crisis", "mental-health"},
        top={"crisis": ["988 Suicide & Crisis Lifeline"], "mental-health": ["Youth Counseling"]},
        never=["Adult Counseling", "24/7 Walk-In Crisis Center", "Peer Warmline", "Crisis Stabilization Unit"],
        alerts={"suicide-risk"},
        first_need="crisis",
    ),
    Vignette(
        name="isolated older adult who needs help at home",
        body=request(
            {
                "age": 78,
                "sex": "female",
                "preferred_language": "en",
                "postal_code": "97005",
                "insurance": ["medicare"],
                "situations": [],
            },
            ahc(lonely="LA10044-8", daily_help="LA31979-0"),
        ),
        needs={"social-connection", "daily-living"},
        top={"social-connection": ["Senior Center Programs"], "daily-living": ["Meals on Wheels Route"]},
        never=["Queer and Trans Youth Group", "Native Youth Wellness", "Deaf Community Support Group"],
        excluded={"Deaf Community Support Group": "Deaf"},
    ),
    Vignette(
        name="pregnant survivor of partner violence",
        body=request(
            {
                "age": 26,
                "sex": "female",
                "preferred_language": "en",
                "postal_code": "97230",
                "insurance": ["medicaid"],
                "situations": ["pregnant"],
            },
            ahc(hurt=HITS[2], insult=HITS[3], threaten=HITS[2], scream=HITS[3]),
        ),
        needs={"interpersonal-safety", "prenatal-care"},
        top={"interpersonal-safety": ["24-Hour Domestic Violence Line"], "prenatal-care": ["Pregnancy and Birth Care"]},
        never=["Clark County Domestic Violence Hotline", "Domestic Violence Text and Chat Line", "Safe House Shelter"],
        alerts={"interpersonal-safety"},
        first_need="interpersonal-safety",
    ),
    Vignette(
        name="across the state line in Vancouver, Washington, hungry and uninsured",
        body=request(
            {
                "age": 44,
                "sex": "male",
                "preferred_language": "en",
                "postal_code": "98661",
                "household_size": 3,
                "monthly_income": 2100,
                "insurance": ["uninsured"],
            },
            ahc(food_worry="LA6729-3", food_ran_out="LA6729-3"),
        ),
        needs={"food", "health-insurance"},
        top={"food": ["Neighborhood Food Share"], "health-insurance": ["Apple Health Enrollment"]},
        never=["Food Finder Text Line", "SNAP Helpline", "Health Coverage Helpline", "Food Closet"],
    ),
    Vignette(
        name="depression with drug use: co-occurring disorders",
        body=request(
            {
                "age": 41,
                "sex": "male",
                "preferred_language": "en",
                "postal_code": "97232",
                "insurance": ["medicaid"],
                "situations": [],
            },
            phq9(2, 2, 2, 2, 1, 1, 1, 1, 0),
            {"instrument": "drug-screen", "answers": {"68524-8": 12}},
        ),
        needs={"co-occurring", "substance-use", "mental-health"},
        top={"co-occurring": ["Psychiatry for Co-Occurring Disorders"]},
        listed={"co-occurring": ["Co-Occurring Intensive Outpatient"]},
        never=["Women's Residential Treatment", "Teen Residential Treatment", "Co-Ed Residential Treatment"],
    ),
    Vignette(
        name="man without a home who uses opioids",
        body=request(
            {
                "age": 33,
                "sex": "male",
                "preferred_language": "en",
                "postal_code": "97204",
                "insurance": ["medicaid"],
                "situations": [],
            },
            {
                "instrument": "intake",
                "answers": {"intake.housing-situation": "unsheltered", "intake.substances": ["opioids", "tobacco"]},
            },
        ),
        needs={"homelessness", "substance-use"},
        top={"homelessness": ["Day Center and Mail Service"], "substance-use": ["Outpatient Addiction Treatment"]},
        listed={"homelessness": ["Men's Overnight Shelter"]},
        never=["Women's Overnight Shelter", "Women's Night Shelter", "Mothers in Recovery Outpatient", "Day Shelter"],
    ),
    Vignette(
        name="family in Milwaukie whose power was shut off",
        body=request(
            {
                "age": 36,
                "sex": "female",
                "preferred_language": "en",
                "postal_code": "97222",
                "household_size": 4,
                "monthly_income": 2600,
                "situations": ["parent"],
            },
            ahc(utilities="LA32002-0"),
        ),
        needs={"utilities"},
        top={"utilities": ["Utility Bill Help"]},
        never=["Home Energy Bill Help", "Energy Assistance", "Water and Sewer Bill Discounts"],
    ),
    Vignette(
        name="deaf adult who signs, with depression",
        body=request(
            {
                "age": 29,
                "sex": "male",
                "preferred_language": "ase",
                "limited_english": True,
                "postal_code": "97005",
                "insurance": ["medicaid"],
                "situations": ["deaf-hard-of-hearing"],
            },
            phq9(2, 2, 1, 2, 1, 1, 1, 1, 0),
        ),
        needs={"mental-health", "language-access"},
        top={"mental-health": ["Therapy in ASL"]},
        never=["Low-Cost Therapy", "Teen Counseling", "DBT Skills Group"],
    ),
    Vignette(
        name="nonbinary young adult without a home",
        body=request(
            {
                "age": 19,
                "sex": "male",
                "gender_identity": "nonbinary",
                "preferred_language": "en",
                "postal_code": "97214",
                "situations": ["lgbtq"],
            },
            ahc(housing="LA31995-6"),
        ),
        needs={"homelessness"},
        top={"homelessness": ["Youth Drop-In Center"]},
        never=["Men's Overnight Shelter", "Youth Crisis Shelter", "Day Shelter"],
    ),
    Vignette(
        name="man leaving prison who wants work and a clean record",
        body=request(
            {
                "age": 31,
                "sex": "male",
                "preferred_language": "en",
                "postal_code": "97211",
                "situations": ["justice-involved"],
            },
            ahc(work="LA31981-6"),
        ),
        needs={"employment", "legal"},
        top={"legal": ["Record Set-Aside (Expungement) Clinic"], "employment": ["Transitional Jobs Crew"]},
        listed={"employment": ["Second Chance Employment"]},
        never=["Women in the Trades Class", "Paid Youth Internships", "Weekly Job Club", "Vacate Your Record Clinic"],
    ),
    Vignette(
        name="uninsured man with diabetes and no doctor",
        body=request(
            {
                "age": 58,
                "sex": "male",
                "preferred_language": "es",
                "postal_code": "97206",
                "household_size": 2,
                "monthly_income": 2300,
                "insurance": ["uninsured"],
            },
            {
                "instrument": "intake",
                "answers": {"intake.health-conditions": ["diabetes"], "intake.primary-care": "no"},
            },
        ),
        needs={"physical-health", "health-insurance"},
        top={"physical-health": ["Primary Care"], "health-insurance": ["OHP and Insurance Enrollment Help"]},
        listed={"physical-health": ["Free Evening Clinic"]},
        never=["LGBTQ+ Primary Care", "School-Based Health Centers", "Free Medical Clinic"],
    ),
]
