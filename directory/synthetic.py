"""Deterministic synthetic HSDS 3.0 catalog for scale tests (import throughput, search and matching latency).

Real catalogs are small and not ours to publish, so benchmarks need 10k-100k services that look like one:
clustered around real cities, run by organizations that offer several services, tagged with Waypost's
vocabularies and written with the schedules, service areas and Spanish text of docs/vocabularies.md.
Everything comes from one ``random.Random(seed)`` so a run can be repeated exactly, and services are yielded
one at a time so memory stays flat however many are asked for.
"""

import json
import math
import random
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from directory import vocabularies
from directory.ids import taxonomy_id, term_id

# A fixed "now" (UTC): dates derived from the wall clock would make the same seed give different catalogs.
_AS_OF = datetime(2026, 11, 1)


def _rows(table: str) -> list[list[str]]:
    """Cells of an `a | b | c` text table, which keeps the data below compact and the formatter off it."""
    return [[cell.strip() for cell in line.split("|")] for line in table.strip().splitlines()]


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.replace("\n", ",").split(",") if word.strip())


_T = TypeVar("_T")


def _weighted(weights: dict[_T, int]) -> tuple[_T, ...]:
    """Each key repeated by its weight: ``rng.choice`` on it picks by weight, 3x cheaper than ``choices``."""
    return tuple(key for key, weight in weights.items() for _ in range(weight))


# Vocabulary rows: code | the term as a noun in service names, English | Spanish | a phrase for service
# descriptions. (The terms' own names and descriptions are seed_data/taxonomy's.) In the category table a line
# with no `|` is the top-level category that the sub-codes below it belong to.
_CATEGORY_TABLE = """
emergency
crisis-lines | Crisis Line | Línea de Crisis | someone to talk to right away, day or night
disaster-response | Disaster Relief | Ayuda en Desastres | help after fires, floods and other disasters
emergency-payments | Emergency Assistance | Ayuda de Emergencia | one-time help with an urgent bill
safety-planning | Safety Planning | Plan de Seguridad | a plan to stay safe from abuse or violence
food
pantry | Food Pantry | Despensa de Alimentos | free groceries to take home
meals | Community Meals | Comidas Comunitarias | free hot meals served on site
snap | SNAP Enrollment | Inscripción en SNAP | help applying for SNAP food benefits
wic | WIC Clinic | Clínica WIC | healthy food for pregnant people, babies and young children
home-delivered-meals | Meals on Wheels | Comidas a Domicilio | meals brought to people who cannot shop or cook
nutrition-education | Nutrition Classes | Clases de Nutrición | classes on healthy cooking on a budget
housing
shelter | Emergency Shelter | Albergue de Emergencia | a safe place to sleep tonight
domestic-violence-shelter | Safe House | Casa de Refugio | confidential shelter for survivors of abuse
transitional | Transitional Housing | Vivienda de Transición | housing for up to two years while you settle
rent-help | Rent Assistance | Ayuda con la Renta | help paying rent so you can stay in your home
utilities | Utility Assistance | Ayuda con Servicios Públicos | help paying heat, power and water bills
affordable | Affordable Housing | Vivienda Asequible | apartments with rent based on income
repairs | Home Repair | Reparaciones del Hogar | free or low-cost repairs to keep your home safe
goods
clothing | Clothing Closet | Ropero Comunitario | free clothes, shoes and coats
hygiene | Hygiene Supplies | Artículos de Higiene | soap, toothpaste, diapers and period products
baby-supplies | Baby Supplies | Artículos para Bebés | diapers, formula, car seats and cribs
furniture | Furniture Bank | Banco de Muebles | beds, tables and dishes for a new home
phones-internet | Phone and Internet Help | Ayuda con Teléfono e Internet | low-cost phones and internet
transit
bus-passes | Bus Passes | Pases de Autobús | free or reduced-fare bus passes
medical-rides | Medical Rides | Transporte Médico | rides to medical appointments
car-help | Car Repair Help | Ayuda con el Auto | help with car repairs, gas or insurance
health
primary-care | Health Clinic | Clínica de Salud | check-ups, sick visits and vaccines
dental | Dental Clinic | Clínica Dental | cleanings, fillings and emergency dental care
vision | Eye Care | Cuidado de los Ojos | eye exams and glasses
prenatal | Prenatal Care | Atención Prenatal | care during pregnancy
sexual-health | Sexual Health Clinic | Clínica de Salud Sexual | birth control and STI testing and treatment
prescriptions | Prescription Help | Ayuda con Recetas | help paying for medicine
insurance-enrollment | Insurance Enrollment | Inscripción en Seguro Médico | signing up for health coverage
hiv | HIV Care | Atención del VIH | HIV testing, treatment and PrEP
mental-health
counseling | Counseling | Consejería | talk therapy for individuals, couples and families
psychiatry | Psychiatry | Psiquiatría | medication and care from a psychiatric provider
crisis-care | Crisis Stabilization | Atención de Crisis | same-day help during a mental health crisis
support-groups | Support Groups | Grupos de Apoyo | groups where people share what helps
peer-support | Peer Support | Apoyo de Pares | support from someone who has been there
case-management | Case Management | Manejo de Casos | help planning and getting the services you need
substance-use
detox | Detox | Desintoxicación | medically supervised withdrawal
outpatient | Outpatient Treatment | Tratamiento Ambulatorio | addiction treatment while you live at home
residential | Residential Treatment | Tratamiento Residencial | live-in addiction treatment
moud | Opioid Treatment | Tratamiento para Opioides | medication for opioid use disorder, like buprenorphine
harm-reduction | Harm Reduction | Reducción de Daños | naloxone, clean supplies and drug checking
recovery-support | Recovery Support | Apoyo para la Recuperación | recovery meetings and coaching
co-occurring | Dual Diagnosis Treatment | Tratamiento Dual | care for mental health and substance use together
money
benefits | Benefits Help | Ayuda con Beneficios | help applying for public benefits
tax-prep | Free Tax Help | Ayuda Gratis con Impuestos | free tax preparation and tax credits
financial-coaching | Financial Coaching | Asesoría Financiera | help with budgets, debt and credit
cash-assistance | Cash Assistance | Asistencia en Efectivo | cash help for families with low income
care
childcare | Child Care | Cuidado Infantil | child care and help paying for it
senior | Senior Services | Servicios para Adultos Mayores | programs and support for older adults
disability | Disability Services | Servicios para Discapacidad | support for people with disabilities
caregiver-support | Caregiver Support | Apoyo para Cuidadores | respite and support for family caregivers
home-care | Home Care | Cuidado en el Hogar | help at home with bathing, meals and chores
education
ged | GED Classes | Clases de GED | classes to earn a GED or high school diploma
esl | English Classes | Clases de Inglés | English as a second language classes
literacy | Adult Literacy | Alfabetización de Adultos | help with reading, writing and math
college | College Access | Acceso a la Universidad | help applying to college and for financial aid
work
job-search | Job Center | Centro de Empleo | help finding a job, with resumes and interviews
job-training | Job Training | Capacitación Laboral | training for skilled jobs
vocational-rehab | Vocational Rehabilitation | Rehabilitación Vocacional | job help if you have a disability
supported-employment | Supported Employment | Empleo con Apoyo | a job coach to help you find and keep work
legal
legal-aid | Legal Aid | Asistencia Legal | free legal help with civil problems
immigration | Immigration Legal Help | Ayuda Legal de Inmigración | visas, green cards and citizenship
eviction-defense | Eviction Defense | Defensa contra Desalojos | free lawyers for tenants facing eviction
expungement | Record Clearing | Limpieza de Antecedentes | help clearing or sealing a criminal record
family-law | Family Law Clinic | Clínica de Derecho Familiar | divorce, custody and protective orders
benefits-appeals | Benefits Appeals | Apelaciones de Beneficios | help when benefits are denied or cut
"""

_ELIGIBILITY_TABLE = """
women | Women | Mujeres | women and girls
men | Men | Hombres | men and boys
transgender-nonbinary | Transgender and Nonbinary | Transgénero y No Binario | trans and nonbinary people
children | Children | Niños | children under 12
youth | Youth | Jóvenes | young people 12 to 17
young-adults | Young Adults | Adultos Jóvenes | young adults 18 to 24
adults | Adults | Adultos | adults 18 and older
seniors | Seniors | Adultos Mayores | older adults
veterans | Veterans | Veteranos | people who served in the military
pregnant | Pregnant | Embarazadas | people who are pregnant
parents | Parents | Padres y Madres | parents and caregivers of children
disability | Disability | Discapacidad | people with disabilities
homeless | Homeless | Sin Hogar | people without a safe, stable place to live
at-risk-of-homelessness | At Risk of Homelessness | Riesgo de Perder Vivienda | people about to lose housing
immigrants | Immigrants | Inmigrantes | immigrants
refugees | Refugees | Refugiados | refugees and asylum seekers
lgbtq | LGBTQ+ | LGBTQ+ | LGBTQ+ people
survivors | Survivors | Sobrevivientes | survivors of domestic or sexual violence
justice-involved | Justice Involved | Personas con Antecedentes | people leaving jail or prison
foster-youth | Foster Youth | Jóvenes de Crianza | young people in or leaving foster care
low-income | Low Income | Bajos Ingresos | people with low income
deaf-hard-of-hearing | Deaf and Hard of Hearing | Sordos | people who are deaf or hard of hearing
income-limit | Income Limit | Límite de Ingresos | households under an income limit
"""

_INSURANCE_TABLE = """
medicaid | Medicaid | Medicaid | accepts Medicaid (Oregon Health Plan, Apple Health, Medi-Cal)
medicare | Medicare | Medicare | accepts Medicare
private | Private Insurance | Seguro Privado | accepts private health insurance
va | VA | VA | accepts VA health benefits
uninsured | Uninsured | Sin Seguro | sliding scale or free for people without insurance
"""

_CAPACITY_TABLE = """
accepting | Accepting New Clients | Acepta Clientes Nuevos | taking new clients now
waitlist | Waitlist | Lista de Espera | new clients go on a waitlist
at-capacity | Full | Sin Cupo | not taking new clients right now
"""


class _Term(NamedTuple):
    code: str
    name: str
    name_es: str
    description: str


def _parse_terms(table: str) -> dict[str, _Term]:
    terms: dict[str, _Term] = {}
    prefix = ""
    for row in _rows(table):
        if len(row) == 1:
            prefix = row[0] + "."
            continue
        code, name, name_es, description = row
        terms[prefix + code] = _Term(prefix + code, name, name_es, description)
    return terms


CATEGORIES = _parse_terms(_CATEGORY_TABLE)
ELIGIBILITY = _parse_terms(_ELIGIBILITY_TABLE)
INSURANCE = _parse_terms(_INSURANCE_TABLE)
CAPACITY = _parse_terms(_CAPACITY_TABLE)

# taxonomy code -> (link_type, terms), as in docs/vocabularies.md.
_TAXONOMIES = {
    "waypost-categories": ("category", CATEGORIES),
    "waypost-eligibility": ("eligibility", ELIGIBILITY),
    "waypost-insurance": ("insurance", INSURANCE),
    "waypost-capacity": ("capacity", CAPACITY),
}


def _term_record(taxonomy: str, code: str) -> dict[str, str]:
    """The term field for field as the vocabulary loader writes it. An import upserts nested terms, so any
    other wording would overwrite the demo taxonomy's names and drop its hierarchy (parent_id)."""
    vocabulary = vocabularies.default()
    term = vocabulary.term(taxonomy, code)
    record = {
        "id": str(term.id),
        "code": code,
        "name": term.name["en"],
        "description": term.description["en"],
        "taxonomy": vocabulary.taxonomies[taxonomy]["name"],
        "language": "en",
        "taxonomy_id": str(taxonomy_id(taxonomy)),
    }
    if term.parent:
        record["parent_id"] = str(term_id(taxonomy, term.parent))
    return record


# Built once: uuid5 costs more than the rest of an attribute, and every service repeats a few terms.
_TERM_RECORDS = {
    (taxonomy, code): _term_record(taxonomy, code) for taxonomy, (_, terms) in _TAXONOMIES.items() for code in terms
}

_TOP_CATEGORIES = sorted({code.split(".")[0] for code in CATEGORIES})
_SUBCATEGORIES = {top: [t for t in CATEGORIES.values() if t.code.startswith(f"{top}.")] for top in _TOP_CATEGORIES}
_HEALTH_TOPS = {"health", "mental-health", "substance-use"}


class _Metro(NamedTuple):
    city: str
    county: str
    state: str
    state_name: str
    tzid: str
    latitude: float
    longitude: float
    weight: int  # roughly population, so the big cities get more services
    area_codes: tuple[str, ...]
    zips: tuple[str, ...]


# city | county | state | state name | IANA timezone | downtown latitude | longitude | weight | area codes
_METRO_TABLE = """
Portland | Multnomah | OR | Oregon | America/Los_Angeles | 45.5152 | -122.6784 | 25 | 503 971
Seattle | King | WA | Washington | America/Los_Angeles | 47.6062 | -122.3321 | 30 | 206
Sacramento | Sacramento | CA | California | America/Los_Angeles | 38.5816 | -121.4944 | 22 | 916
Boise | Ada | ID | Idaho | America/Boise | 43.6150 | -116.2023 | 10 | 208
Spokane | Spokane | WA | Washington | America/Los_Angeles | 47.6588 | -117.4260 | 8 | 509
"""
# city | first three digits | last two digits of the city's ZIP codes
_ZIP_TABLE = """
Portland | 972 | 01 02 03 04 05 06 09 10 11 12 13 14 15 16 17 18 19 20 21 27 29 30 32 33 36 39 66
Seattle | 981 | 01 02 03 04 05 06 07 08 09 12 15 16 17 18 19 21 22 25 26 33 44 99
Sacramento | 958 | 11 14 15 16 17 18 19 20 21 22 23 24 25 26 28 31 33 38
Boise | 837 | 02 03 04 05 06 09 12 13 14 16
Spokane | 992 | 01 02 03 04 05 07 08 12 16 17 18 23 24
"""
_ZIPS = {city: tuple(prefix + last for last in lasts.split()) for city, prefix, lasts in _rows(_ZIP_TABLE)}
_METROS = tuple(
    _Metro(city, county, state, name, tz, float(lat), float(lon), int(weight), tuple(codes.split()), _ZIPS[city])
    for city, county, state, name, tz, lat, lon, weight, codes in _rows(_METRO_TABLE)
)
_WEIGHTED_METROS = _weighted({metro: metro.weight for metro in _METROS})

_PLACES = _words("""
Northside, Riverside, Eastside, Westside, Southside, Hillside, Lakeside, Parkside, Downtown, Midtown, Cascade,
Evergreen, Cedar Hills, Oak Grove, Harbor, Summit, Mountain View, Maple, Willow Creek, Sunrise, Bridgeview,
Greenwood, Highland, Fairview, Lincoln, Columbia, Union, Mercy, Hope, New Beginnings, Open Door,
Good Neighbor, St. Francis, St. Vincent, Holy Family, Rose City, Gateway, Pioneer, Heritage, Crossroads
""")
_ORG_KINDS = {
    top: _words(kinds)
    for top, kinds in _rows("""
emergency | Crisis Center, Emergency Services
food | Food Bank, Food Network
housing | Housing Partners, Shelter Services
goods | Resource Closet, Share Center
transit | Mobility Services, Ride Connection
health | Health Center, Free Clinic
mental-health | Counseling Center, Behavioral Health
substance-use | Recovery Center, Treatment Services
money | Financial Empowerment, Benefits Center
care | Family Services, Senior Center
education | Learning Center, Literacy Council
work | Workforce Center, Job Corps
legal | Legal Aid Society, Law Center
""")
}
_GENERIC_ORG_KINDS = _words("""
Community Services, Community Action, Family Resource Center, Neighborhood House, Outreach, Mission, Alliance,
Coalition
""")
_GOVERNMENT_KINDS = _words("Health Department, Human Services, Behavioral Health, Aging and Disability Services")
_STREETS = _words("""
Main St, Oak St, Pine St, Maple Ave, Cedar Ave, 1st Ave, 3rd Ave, Broadway, Park Ave, Lincoln Blvd, Market St,
Division St, Grand Ave, Union Ave, Hawthorne Blvd, Washington St, Jefferson St, Madison St, Cherry St, Elm St,
River Rd, Mill Rd, Garfield Ave, Alder St
""")
_DIRECTIONS = ("", "", "N ", "NE ", "E ", "SE ", "S ", "SW ", "W ", "NW ")
_SITES = _words("Center, Office, Clinic, Campus, Annex, Branch, Community Center, Hub")

# Audience words that make names like "Riverside Youth Counseling" / "Consejería para Jóvenes Riverside".
_AUDIENCES = {
    code: (en, es)
    for code, en, es in _rows("""
youth | Youth | para Jóvenes
young-adults | Young Adult | para Adultos Jóvenes
women | Women's | para Mujeres
veterans | Veterans | para Veteranos
seniors | Senior | para Adultos Mayores
parents | Family | para Familias
lgbtq | LGBTQ+ | LGBTQ+
immigrants | Immigrant | para Inmigrantes
""")
}
# Sub-categories whose real-world services are nearly always for a particular group.
_TYPICAL_ELIGIBILITY = {
    code: _words(groups)
    for code, groups in _rows("""
emergency.safety-planning | survivors
housing.domestic-violence-shelter | survivors, women
housing.shelter | homeless
food.wic | pregnant, parents, children
health.prenatal | pregnant
food.home-delivered-meals | seniors, disability
care.senior | seniors
care.childcare | parents, children
goods.baby-supplies | parents
work.vocational-rehab | disability
legal.immigration | immigrants, refugees
legal.expungement | justice-involved
""")
}
_AGE_RANGES: dict[str, tuple[int, int | None]] = {
    "children": (0, 11),
    "youth": (12, 17),
    "young-adults": (18, 24),
    "adults": (18, None),
    "seniors": (60, None),
}
_GENDERS = ("women", "men", "transgender-nonbinary")
_WEIGHTED_GENDERS = _weighted({"women": 8, "men": 3, "transgender-nonbinary": 2})
_SITUATIONS = tuple(code for code in ELIGIBILITY if code not in {*_AGE_RANGES, *_GENDERS, "income-limit"})
_POVERTY_PERCENTS = _words("100, 130, 138, 150, 185, 200, 250, 300")

_OTHER_LANGUAGES = [
    (code, name)
    for code, name in _rows("""
vi | Vietnamese
ru | Russian
zh | Chinese
uk | Ukrainian
so | Somali
ar | Arabic
ko | Korean
tl | Tagalog
""")
]
# English | Spanish
_NOTES = [
    (en, es)
    for en, es in _rows("""
Walk-ins are welcome. | Puede venir sin cita.
Call first to make an appointment. | Llame antes para hacer una cita.
Services are free and confidential. | Los servicios son gratuitos y confidenciales.
Bring a photo ID if you have one. | Traiga una identificación con foto si tiene.
No one is turned away for lack of money. | No se niega el servicio a nadie por falta de dinero.
Interpreters are available at no cost. | Hay intérpretes sin costo.
""")
]
_APPLICATION = [
    (en, es)
    for en, es in _rows("""
Walk in during open hours. | Venga durante el horario de atención.
Call to make an appointment. | Llame para hacer una cita.
Apply online or by phone. | Solicite en línea o por teléfono.
Ask a case manager or doctor to refer you. | Pida a un administrador de casos o médico que lo refiera.
Call the intake line for a short screening. | Llame a la línea de admisión para una evaluación breve.
""")
]
_DOCUMENTS = _words("""
Photo ID, Proof of address, Proof of income, Social Security card, Insurance card,
Birth certificate for each child
""")
# option, amount in whole US dollars (None: depends on income)
_COSTS: list[tuple[str, int | None]] = [
    ("Free", 0),
    ("Sliding scale based on income", None),
    ("Co-pay per visit", 20),
    ("Flat fee", 10),
    ("Flat fee", 25),
    ("Monthly fee", 40),
]

_STATUSES = _weighted({"active": 190, "temporarily closed": 4, "inactive": 3, "defunct": 3})
_EXTRA_CATEGORIES = _weighted({0: 6, 1: 3, 2: 1})
_LOCATION_COUNTS = _weighted({1: 7, 2: 2, 3: 1})
_CAPACITIES = _weighted({"accepting": 7, "waitlist": 2, "at-capacity": 1})
_SCHEDULE_KINDS = _weighted({"weekdays": 60, "some-days": 21, "always": 5, "overnight": 4, "none": 10})

_EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
_WEEKDAYS = "MO,TU,WE,TH,FR"
_DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_ALWAYS_OPEN_CODES = {"emergency.crisis-lines", "mental-health.crisis-care"}
_OVERNIGHT_CODES = {"housing.shelter", "housing.domestic-violence-shelter", "substance-use.detox"}

_V4_CLEAR = ((1 << 128) - 1) ^ ((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


def _new_id(rng: random.Random) -> str:
    """``str(uuid.UUID(int=rng.getrandbits(128), version=4))`` at half the cost: a service needs about 20."""
    h = f"{rng.getrandbits(128) & _V4_CLEAR | _V4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _phone(rng: random.Random, metro: _Metro, kind: str = "voice") -> dict[str, Any]:
    # 555-0100..0199 are reserved for fiction, so no real person gets benchmark calls.
    number = f"({rng.choice(metro.area_codes)}) 555-01{rng.randrange(100):02d}"
    return {"id": _new_id(rng), "number": number, "type": kind}


class _Organization(NamedTuple):
    record: dict[str, Any]
    metro: _Metro
    focus: str  # the top-level category most of its services belong to
    domain: str


def _organization(rng: random.Random) -> _Organization:
    metro = rng.choice(_WEIGHTED_METROS)
    focus = rng.choice(_TOP_CATEGORIES)
    year = rng.randint(1950, 2022)
    if rng.random() < 0.15:
        name, legal_status = f"{metro.county} County {rng.choice(_GOVERNMENT_KINDS)}", "Government agency"
    else:
        kind = rng.choice(_ORG_KINDS[focus] if rng.random() < 0.6 else _GENERIC_ORG_KINDS)
        name, legal_status = f"{rng.choice(_PLACES)} {kind}", "Nonprofit corporation"
    domain = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".example.org"
    record = {
        "id": _new_id(rng),
        "name": name,
        "description": f"{name} has served people in and around {metro.city}, {metro.state} since {year}.",
        "email": f"info@{domain}",
        "website": f"https://{domain}",
        "year_incorporated": year,
        "legal_status": legal_status,
        "phones": [_phone(rng, metro)],
    }
    if legal_status != "Government agency":
        record["tax_status"] = "501(c)(3)"
    return _Organization(record, metro, focus, domain)


def _categories(rng: random.Random, focus: str) -> list[_Term]:
    top = focus if rng.random() < 0.7 else rng.choice(_TOP_CATEGORIES)
    primary = rng.choice(_SUBCATEGORIES[top])
    extra = rng.choice(_EXTRA_CATEGORIES)
    return [primary, *(t for t in rng.sample(_SUBCATEGORIES[top], extra) if t != primary)]


def _eligibility(rng: random.Random, primary: str) -> list[tuple[str, str | None]]:
    """(code, attribute value) pairs; at most one age group and one gender, so age limits stay coherent."""
    codes = list(_TYPICAL_ELIGIBILITY.get(primary, ()))
    if rng.random() < 0.25 and not set(codes) & _AGE_RANGES.keys():
        codes.append(rng.choice(list(_AGE_RANGES)))
    if rng.random() < 0.13 and not set(codes) & set(_GENDERS):
        codes.append(rng.choice(_WEIGHTED_GENDERS))
    if rng.random() < 0.25:
        codes.extend(rng.sample(_SITUATIONS, rng.randint(1, 2)))
    pairs: list[tuple[str, str | None]] = [(code, None) for code in dict.fromkeys(codes)]
    if rng.random() < 0.15:
        pairs.append(("income-limit", rng.choice(_POVERTY_PERCENTS)))
    return pairs


def _attribute(
    rng: random.Random, service_id: str, taxonomy: str, code: str, value: str | None = None
) -> dict[str, Any]:
    term = _TERM_RECORDS[taxonomy, code]
    attribute = {
        "id": _new_id(rng),
        "link_id": service_id,
        "link_type": _TAXONOMIES[taxonomy][0],
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": dict(term),
    }
    if value is not None:
        attribute["value"] = value
    return attribute


def _clock(hour: int) -> str:
    return f"{hour:02d}:00:00"


def _spoken(hour: int) -> str:
    return f"{hour % 12 or 12}:00 {'AM' if hour < 12 else 'PM'}"


def _listing(items: list[str], conjunction: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _days(byday: str) -> str:
    return "Monday to Friday" if byday == _WEEKDAYS else _listing([_DAY_NAMES[d] for d in byday.split(",")])


def _schedules(rng: random.Random, tzid: str, primary: str) -> list[dict[str, Any]]:
    """Mostly office hours, plus the overnight, 24/7 and few-days shapes "open now" queries must handle."""
    if primary in _ALWAYS_OPEN_CODES and rng.random() < 0.8:
        kind = "always"
    elif primary in _OVERNIGHT_CODES and rng.random() < 0.7:
        kind = "overnight"
    else:
        kind = rng.choice(_SCHEDULE_KINDS)
    rows: list[tuple[str, str, str, str]] = []  # byday, opens_at, closes_at, description
    if kind == "always":
        rows.append((_EVERY_DAY, "00:00:00", "23:59:59", "Open 24 hours a day, 7 days a week"))
    elif kind == "overnight":
        opens, closes = rng.choice((17, 18, 19, 20)), rng.choice((6, 7, 8))
        rows.append((_EVERY_DAY, _clock(opens), _clock(closes), f"Every night, {_spoken(opens)} to {_spoken(closes)}"))
    elif kind in ("weekdays", "some-days"):
        byday = _WEEKDAYS
        if kind == "some-days":
            days = set(rng.sample(_WEEKDAYS.split(","), rng.randint(1, 3)))
            byday = ",".join(day for day in _DAY_NAMES if day in days)
        opens, closes = rng.choice((7, 8, 8, 9, 9, 9, 10, 13)), rng.choice((15, 16, 17, 17, 17, 18, 19, 20))
        opens = min(opens, closes - 2)
        rows.append((byday, _clock(opens), _clock(closes), f"{_days(byday)}, {_spoken(opens)} to {_spoken(closes)}"))
        if rng.random() < 0.25:
            rows.append(("SA", "10:00:00", "14:00:00", "Saturday, 10:00 AM to 2:00 PM"))
    return [
        {
            "id": _new_id(rng),
            "freq": "WEEKLY",
            "byday": byday,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "description": description,
            "tzid": tzid,
        }
        for byday, opens_at, closes_at, description in rows
    ]


def _location(rng: random.Random, org: _Organization) -> dict[str, Any]:
    if rng.random() < 0.05:
        return {
            "id": _new_id(rng),
            "location_type": "virtual",
            "name": "Online and by phone",
            "url": f"https://{org.domain}/online",
            "description": "Appointments by phone or video.",
        }
    metro = org.metro
    address = {
        "id": _new_id(rng),
        "address_1": f"{rng.randint(100, 19999)} {rng.choice(_DIRECTIONS)}{rng.choice(_STREETS)}",
        "city": metro.city,
        "state_province": metro.state,
        "postal_code": rng.choice(metro.zips),
        "country": "US",
        "address_type": "physical",
    }
    if rng.random() < 0.2:
        address["address_2"] = f"Suite {rng.randint(1, 4)}{rng.randint(0, 2)}{rng.randint(0, 9)}"
    # Gaussian around downtown: dense centre, thinner suburbs, like real directories (sd about 6 km).
    return {
        "id": _new_id(rng),
        "location_type": "physical",
        "name": f"{rng.choice(_PLACES)} {rng.choice(_SITES)}",
        "latitude": round(rng.gauss(metro.latitude, 0.055), 6),
        "longitude": round(rng.gauss(metro.longitude, 0.075), 6),
        "addresses": [address],
    }


def _polygon(rng: random.Random, latitude: float, longitude: float) -> str:
    """An irregular star-shaped ring (always a valid, counter-clockwise polygon) 3-20 km around a point."""
    radius = rng.uniform(3, 20) / 111.0  # degrees of latitude
    sides = rng.randint(8, 14)
    ring = []
    for i in range(sides):
        angle, r = 2 * math.pi * i / sides, radius * rng.uniform(0.75, 1.25)
        lon = longitude + r * math.cos(angle) / math.cos(math.radians(latitude))
        ring.append([round(lon, 5), round(latitude + r * math.sin(angle), 5)])
    ring.append(ring[0])
    return json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))


def _service_areas(rng: random.Random, metro: _Metro, locations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    physical = [loc for loc in locations if loc["location_type"] == "physical"]
    draw = rng.random()
    if draw < 0.10:
        area = {
            "name": metro.state_name,
            "description": f"Anyone in {metro.state_name}.",
            "extent_type": "text",
            "extent": metro.state,
        }
    elif draw < 0.25:
        zips = set(rng.sample(metro.zips, rng.randint(2, 7)))
        zips.update(loc["addresses"][0]["postal_code"] for loc in physical)
        extent = ",".join(sorted(zips))
        area = {
            "name": f"{metro.city} ZIP codes",
            "description": f"People who live in ZIP codes {extent}.",
            "extent_type": "text",
            "extent": extent,
        }
    elif draw < 0.30:
        centre = physical[0] if physical else {"latitude": metro.latitude, "longitude": metro.longitude}
        area = {
            "name": f"{metro.city} service area",
            "description": f"Parts of {metro.county} County.",
            "extent_type": "geojson",
            "extent": _polygon(rng, centre["latitude"], centre["longitude"]),
        }
    else:
        return []
    return [{"id": _new_id(rng), **area}]


def _dates(rng: random.Random) -> tuple[str, str]:
    """assured_date in the 3 years before _AS_OF, last_modified (UTC) between it and _AS_OF."""
    assured = _AS_OF - timedelta(days=rng.randrange(3 * 365))
    modified = _AS_OF - timedelta(seconds=rng.randrange(int((_AS_OF - assured).total_seconds()) + 1))
    return assured.date().isoformat(), modified.isoformat() + "Z"


def _service(rng: random.Random, org: _Organization) -> dict[str, Any]:
    metro = org.metro
    service_id = _new_id(rng)
    categories = _categories(rng, org.focus)
    primary = categories[0]
    eligibility = _eligibility(rng, primary.code)
    codes = [code for code, _ in eligibility]

    place = metro.city if rng.random() < 0.25 else rng.choice(_PLACES)
    audience, audience_es = next((_AUDIENCES[code] for code in codes if code in _AUDIENCES), ("", ""))
    name = " ".join(word for word in (place, audience, primary.name) if word)
    name_es = " ".join(word for word in (primary.name_es, audience_es, place) if word)
    note, note_es = rng.choice(_NOTES)
    description = f"{primary.description[0].upper()}{primary.description[1:]} in {metro.city}."
    description_es = f"{primary.name_es} en {metro.city}."
    if len(categories) > 1:
        description += " We also offer " + " and ".join(t.description for t in categories[1:]) + "."
        description_es += " También: " + ", ".join(t.name_es for t in categories[1:]) + "."

    status = rng.choice(_STATUSES)
    assured_date, last_modified = _dates(rng)
    service: dict[str, Any] = {
        "id": service_id,
        "organization_id": org.record["id"],
        "name": name,
        "description": f"{description} {note}",
        "status": status,
        "assured_date": assured_date,
        "last_modified": last_modified,
    }
    if rng.random() < 0.4:
        service["url"] = f"https://{org.domain}/{primary.code.split('.')[1]}"
    if rng.random() < 0.5:
        service["email"] = f"{rng.choice(('intake', 'help', 'frontdesk'))}@{org.domain}"
    if status == "temporarily closed":
        service["alert"] = "Temporarily closed. Call before you visit."

    bilingual = rng.random() < 0.3
    spanish: dict[str, str] = {"name_es": name_es, "description_es": f"{description_es} {note_es}"}
    if eligibility:
        people = [ELIGIBILITY[code] for code, value in eligibility if value is None]
        limits = [value for code, value in eligibility if code == "income-limit"]
        text, text_es = [], []
        if people:
            text.append(f"For {_listing([t.description for t in people])}.")
            text_es.append(f"Para: {_listing([t.name_es for t in people], 'y')}.")
        if limits:
            text.append(f"Household income at or below {limits[0]}% of the federal poverty guideline.")
            text_es.append(f"Ingresos del hogar hasta el {limits[0]}% de la guía federal de pobreza.")
        service["eligibility_description"] = " ".join(text)
        spanish["eligibility_description_es"] = " ".join(text_es)
        age_group = next((code for code in codes if code in _AGE_RANGES), None)
        if age_group is not None:
            minimum, maximum = _AGE_RANGES[age_group]
            service["minimum_age"] = rng.choice((55, 60, 62, 65)) if age_group == "seniors" else minimum
            if maximum is not None:
                service["maximum_age"] = maximum
    if rng.random() < 0.6:
        service["application_process"], spanish["application_process_es"] = rng.choice(_APPLICATION)
    if bilingual:
        service.update(spanish)

    locations = [_location(rng, org) for _ in range(rng.choice(_LOCATION_COUNTS))]
    languages = [("en", "English")]
    if bilingual:
        languages.append(("es", "Spanish"))
    if rng.random() < 0.12:
        languages.extend(rng.sample(_OTHER_LANGUAGES, rng.randint(1, 2)))

    attributes = [_attribute(rng, service_id, "waypost-categories", t.code) for t in categories]
    attributes += [_attribute(rng, service_id, "waypost-eligibility", code, value) for code, value in eligibility]
    if primary.code.split(".")[0] in _HEALTH_TOPS and rng.random() < 0.8:
        for code in rng.sample(list(INSURANCE), rng.randint(1, 4)):
            attributes.append(_attribute(rng, service_id, "waypost-insurance", code))
    if rng.random() < 0.6:
        capacity = rng.choice(_CAPACITIES)
        attributes.append(_attribute(rng, service_id, "waypost-capacity", capacity))

    service.update(
        {
            "phones": [_phone(rng, metro)] + ([_phone(rng, metro, "text")] if rng.random() < 0.2 else []),
            "schedules": _schedules(rng, metro.tzid, primary.code),
            "service_areas": _service_areas(rng, metro, locations),
            "service_at_locations": [{"id": _new_id(rng), "location": location} for location in locations],
            "languages": [{"id": _new_id(rng), "name": lang_name, "code": code} for code, lang_name in languages],
            # A copy each, so a consumer that edits one service's organization leaves its siblings' alone.
            "organization": {**org.record, "phones": [dict(phone) for phone in org.record["phones"]]},
            "cost_options": [],
            "required_documents": [],
            "attributes": attributes,
        }
    )
    if rng.random() < 0.25:
        option, amount = rng.choice(_COSTS)
        cost: dict[str, Any] = {"id": _new_id(rng), "option": option, "currency": "USD"}
        if amount is not None:
            cost["amount"] = amount
        service["cost_options"].append(cost)
    if rng.random() < 0.25:
        service["required_documents"] = [
            {"id": _new_id(rng), "document": document} for document in rng.sample(_DOCUMENTS, rng.randint(1, 2))
        ]
    return service


def generate_services(count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Yield `count` full HSDS services (service_with_definitions shape), the same ones for the same seed.

    Each organization offers 3-5 consecutive services. The output for a smaller `count` is a prefix of the
    output for a larger one, so a 10k benchmark runs on the first tenth of the 100k catalog.
    """
    rng = random.Random(seed)
    remaining = count
    while remaining > 0:
        org = _organization(rng)
        for _ in range(min(rng.randint(3, 5), remaining)):
            yield _service(rng, org)
            remaining -= 1
