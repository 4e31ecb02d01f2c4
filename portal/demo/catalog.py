"""The words of the demo: a Brisbane fire-protection and electrical contractor and its customers.

Kept apart from the code that builds rows so the texts can be read (and corrected) by someone who
knows the trade, without reading any Python around them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.models import DefectSeverity, PortalTier, ScriptUse

CRIT, NONCRIT, NONCONF = DefectSeverity.CRITICAL, DefectSeverity.NON_CRITICAL, DefectSeverity.NON_CONFORMANCE

# Printed by `make demo` and in the README: a demo login is meant to be known.
PASSWORD = "Demo-Portal-2026"  # noqa: S105

CONTRACTOR = {
    "company_name": "Harbourside Fire & Electrical Pty Ltd",
    "trading_name": "Harbourside Fire & Electrical",
    "business_number": "ABN 51 824 753 556",
    "email": "service@harbourside-fire.example",
    "phone": "07 3367 4100",
    "address": "Unit 4, 18 Hargreaves Street, Eagle Farm QLD 4009",
    "website": "https://harbourside-fire.example",
    "logo_path": "/logo.svg",
    "currency": "AUD",
    "country": "AU",
    "timezone": "Australia/Brisbane",
    "tax_name": "GST",
    "tax_rate_bp": 1000,
    "payment_terms_days": 30,
    "quote_validity_days": 30,
    "portal_tier": PortalTier.ADVANCED,
}

# (name, interval in months, sort order)
SERVICE_LEVELS: tuple[tuple[str, int, int], ...] = (
    ("Monthly", 1, 10),
    ("Three Monthly", 3, 20),
    ("Six Monthly", 6, 30),
    ("Annually", 12, 40),
    ("Five Yearly", 60, 50),
    ("Ten Yearly", 120, 60),
    ("Annual Cert. Date", 12, 70),
)


@dataclass(frozen=True)
class Variant:
    name: str
    make: str
    model: str
    details: str = ""


@dataclass(frozen=True)
class Kind:
    """One asset type with what a technician would write about it."""

    name: str
    life_years: int
    levels: tuple[str, ...]
    variants: tuple[Variant, ...]
    locations: tuple[str, ...]
    defects: tuple[tuple[str, DefectSeverity], ...]
    pass_notes: tuple[str, ...] = ()


EXTINGUISHER = "Portable Fire Extinguisher"
HOSE_REEL = "Fire Hose Reel"
BLANKET = "Fire Blanket"
EMERGENCY_LIGHT = "Emergency Light"
EXIT_SIGN = "Exit Sign"
DETECTION = "Fire Detection System"
FIRE_DOOR = "Fire Door"
SPRINKLER = "Sprinkler System"
HYDRANT = "Hydrant"
CCTV = "CCTV"

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            EXTINGUISHER,
            10,
            ("Six Monthly", "Five Yearly"),
            (
                Variant("4.5 kg ABE dry powder extinguisher", "Wormald", "DP 4.5 ABE", "Rating 4A:60B(E)"),
                Variant("9 kg ABE dry powder extinguisher", "Chubb", "ABE 9.0", "Rating 6A:80B(E)"),
                Variant("3.5 kg CO2 extinguisher", "FlameStop", "FS-CO2-3.5", "Rating 5B(E)"),
                Variant("9 L water extinguisher", "Fire Chief", "FCW9", "Rating 2A"),
                Variant(
                    "7 L wet chemical extinguisher", "Ultrafire", "UWC7", "Rating 2A:2F, commercial kitchen"
                ),
                Variant("2.5 kg ABE dry powder extinguisher", "Wormald", "DP 2.5 ABE", "Rating 2A:30B(E)"),
            ),
            (
                "Level {l}, stairwell {s}",
                "Level {l}, lift lobby",
                "Level {l}, corridor outside room {l}0{n}",
                "Ground floor, main entry",
                "Ground floor, loading dock",
                "Basement car park, bay {b}",
                "Level {l}, kitchenette",
                "Switch room",
                "Plant room, level {l}",
                "Level {l}, near fire stair {s}",
            ),
            (
                ("Pressure gauge in red zone", CRIT),
                ("Tamper seal missing", NONCRIT),
                ("Extinguisher missing from bracket", CRIT),
                ("Service tag out of date", NONCONF),
                ("Hose perished and cracked", NONCRIT),
                ("Location sign missing above extinguisher", NONCONF),
                ("Obstructed by stored goods", NONCONF),
                ("Cylinder corroded at base", CRIT),
            ),
            ("Gauge in green, seal intact", "Weighed, within tolerance", ""),
        ),
        Kind(
            HOSE_REEL,
            20,
            ("Six Monthly", "Annually"),
            (
                Variant("36 m fire hose reel", "Wormald", "FHR 36/19", "19 mm hose, 36 m"),
                Variant("30 m fire hose reel", "Fire Chief", "HR30", "19 mm hose, 30 m"),
            ),
            (
                "Level {l}, stairwell {s} landing",
                "Level {l}, hose reel cupboard near lift",
                "Ground floor, loading dock",
                "Basement car park, column {b}",
            ),
            (
                ("Hose reel nozzle missing", CRIT),
                ("Hose reel leaking at swivel gland", NONCRIT),
                ("Hose cracked on outer layer", NONCRIT),
                ("Hose reel obstructed by furniture", NONCONF),
                ("Isolating valve seized", CRIT),
            ),
            ("Flow tested, hose rewound", ""),
        ),
        Kind(
            BLANKET,
            10,
            ("Six Monthly",),
            (
                Variant("Fire blanket 1.2 m x 1.2 m", "FlameStop", "FB1212"),
                Variant("Fire blanket 1.8 m x 1.2 m", "Chubb", "FB1812"),
            ),
            ("Level {l}, kitchenette", "Ground floor, staff kitchen", "Level {l}, staff room"),
            (
                ("Fire blanket pull tapes missing", NONCRIT),
                ("Fire blanket container damaged", NONCRIT),
                ("Fire blanket removed from kitchen", CRIT),
            ),
        ),
        Kind(
            EMERGENCY_LIGHT,
            10,
            ("Six Monthly", "Annually"),
            (
                Variant("LED emergency batten", "Clevertronics", "L-Series Batten LED"),
                Variant("Emergency spitfire", "Stanilite", "Spitfire LED 2W"),
                Variant("Recessed LED emergency downlight", "Legrand", "Ozone Downlight"),
            ),
            (
                "Level {l}, stairwell {s}",
                "Level {l}, corridor {n}",
                "Level {l}, lift lobby",
                "Basement car park, bay {b}",
                "Ground floor, main entry",
                "Plant room, level {l}",
                "Level {l}, open office, grid {n}",
            ),
            (
                ("Emergency light failed 90-minute discharge test", CRIT),
                ("Battery will not hold charge", CRIT),
                ("Charge indicator LED not lit", NONCRIT),
                ("Diffuser cracked", NONCONF),
                ("Fitting loose from ceiling", NONCRIT),
            ),
            ("90-minute discharge test passed", ""),
        ),
        Kind(
            EXIT_SIGN,
            10,
            ("Six Monthly", "Annually"),
            (
                Variant("Running man exit sign, single sided", "Clevertronics", "Exit-Pro LED"),
                Variant("Running man exit sign, double sided with arrow", "Stanilite", "Zoneguard EXIT"),
            ),
            (
                "Level {l}, stairwell {s} door",
                "Level {l}, corridor {n}",
                "Ground floor, main entry",
                "Basement car park, exit ramp",
                "Level {l}, fire stair {s}",
            ),
            (
                ("Exit sign pictogram damaged", NONCONF),
                ("Exit sign failed 90-minute discharge test", CRIT),
                ("Exit sign not illuminated", CRIT),
                ("Wrong directional arrow fitted", NONCONF),
            ),
            ("90-minute discharge test passed", ""),
        ),
        Kind(
            DETECTION,
            15,
            ("Monthly", "Six Monthly", "Annually", "Annual Cert. Date"),
            (
                Variant("Fire indicator panel", "Pertronic", "F100A", "Brigade-connected, 8 zones"),
                Variant("Fire indicator panel", "Ampac", "FireFinder Plus", "Brigade-connected, 16 zones"),
                Variant("Fire indicator panel", "Notifier", "NFS-320", "Addressable, 2 loops"),
            ),
            ("Ground floor, fire control room", "Ground floor, main entry FIP cabinet"),
            (
                ("Smoke detector in lift lobby failed sensitivity test", CRIT),
                ("Panel standby battery below capacity", NONCRIT),
                ("Brigade alarm signalling fault", CRIT),
                ("Zone block plan out of date", NONCONF),
                ("Detector head cover left on after painting", CRIT),
            ),
            ("Panel tested, brigade signal confirmed", "All zones normal", ""),
        ),
        Kind(
            FIRE_DOOR,
            25,
            ("Six Monthly",),
            (
                Variant("Fire door set, single leaf, FRL -/60/30", "Pyropanel", "PP60 Single"),
                Variant("Fire door set, double leaf, FRL -/120/30", "Firedor", "FD120 Double"),
            ),
            (
                "Level {l}, stairwell {s} door",
                "Level {l}, riser cupboard",
                "Ground floor, plant room door",
                "Basement, fire stair {s} door",
            ),
            (
                ("Fire door does not self-close", CRIT),
                ("Door closer leaking oil", NONCRIT),
                ("Fire door wedged open", CRIT),
                ("Compliance tag missing from door leaf", NONCONF),
                ("Gap at door head exceeds 3 mm", NONCONF),
            ),
            ("Closes and latches from fully open", ""),
        ),
        Kind(
            SPRINKLER,
            30,
            ("Monthly", "Annually", "Five Yearly"),
            (
                Variant("Wet pipe sprinkler valve set", "Tyco", "AV-1-300", "150 mm alarm valve"),
                Variant("Sprinkler booster assembly", "Viking", "Model J-1", "Street-front booster"),
            ),
            ("Ground floor, sprinkler valve room", "Street frontage, booster cabinet"),
            (
                ("Main stop valve not locked open", CRIT),
                ("Sprinkler head painted over", NONCRIT),
                ("Installation pressure gauge reading low", NONCRIT),
                ("Spare sprinkler head cabinet empty", NONCONF),
            ),
            ("Alarm valve and bell tested", ""),
        ),
        Kind(
            HYDRANT,
            30,
            ("Six Monthly", "Annually", "Five Yearly"),
            (
                Variant("Fire hydrant landing valve", "Wormald", "LV-65"),
                Variant("Fire hydrant booster", "Fire Chief", "HB-100"),
            ),
            (
                "Level {l}, stairwell {s} hydrant landing",
                "Street frontage, booster cabinet",
                "Basement car park, ramp",
            ),
            (
                ("Hydrant valve passing water", NONCRIT),
                ("Hydrant cap missing", NONCONF),
                ("Booster cabinet door damaged", NONCRIT),
                ("Hydrant flow below required pressure", CRIT),
            ),
        ),
        Kind(
            CCTV,
            7,
            ("Six Monthly", "Annually"),
            (
                Variant("Dome camera", "Bosch", "FLEXIDOME 5100i"),
                Variant("Bullet camera", "Axis", "P1455-LE"),
                Variant("Network video recorder", "Bosch", "DIVAR IP 3000", "30 days retention"),
            ),
            (
                "Car park entry",
                "Ground floor, main lobby",
                "Ground floor, loading dock",
                "Level {l}, lift lobby",
            ),
            (
                ("Camera image out of focus", NONCRIT),
                ("Camera offline", CRIT),
                ("Recorder retention below 30 days", NONCONF),
            ),
        ),
    )
}

TECHNICIANS = ("Liam Carter", "Mia Nguyen", "Jack O'Brien", "Aisha Rahman", "Ben Kowalski", "Sophie Tran")

NOT_TESTED_NOTES = (
    "No access: tenant unavailable",
    "Locked room, key not available on the day",
    "Obstructed by stock, could not reach",
    "Area closed for renovation",
)


@dataclass(frozen=True)
class SiteSpec:
    name: str
    street: str
    suburb: str
    postcode: str
    levels: int
    access_notes: str
    assets: dict[str, int]
    service_day: int


@dataclass(frozen=True)
class ContactSpec:
    first_name: str
    last_name: str
    email: str
    position: str
    phone: str = ""
    mobile: str = ""
    title: str = ""
    department: str = ""
    login: bool = False
    login_active: bool = True
    pages: tuple[str, ...] = ()  # empty: every page but those in without_pages
    without_pages: tuple[str, ...] = ()
    site_indexes: tuple[int, ...] | None = None  # None: all sites
    primary: bool = False
    flags: tuple[str, ...] = ()  # quote, job, invoice, statement
    deactivated: bool = False
    site_contact_for: tuple[int, ...] = ()  # sites where this is the person to call


@dataclass(frozen=True)
class ContractSpec:
    number: str
    name: str
    site_indexes: tuple[int, ...]
    start_days: int  # relative to today
    expiry_days: int
    value_cents: int
    quarterly_cents: int
    covers: tuple[str, ...] = ()  # asset types; empty means the rest


@dataclass(frozen=True)
class CustomerSpec:
    key: str
    name: str
    business_number: str
    email: str
    phone: str
    address: str
    postal_address: str
    notes: str
    asset_prefix: str
    sites: tuple[SiteSpec, ...]
    contacts: tuple[ContactSpec, ...]
    contracts: tuple[ContractSpec, ...]
    quotes: int
    job_stages: dict[str, int]
    order_prefix: str = ""
    extra: dict[str, str] = field(default_factory=dict)


NORTHSIDE = CustomerSpec(
    key="northside",
    name="Northside Property Group",
    business_number="ABN 73 615 204 889",
    email="accounts@northside.example",
    phone="07 3350 8800",
    address="Level 7, 146 Gympie Road, Chermside QLD 4032",
    postal_address="PO Box 1127, Chermside QLD 4032",
    notes="Property manager for five commercial and residential buildings on Brisbane's northside.",
    asset_prefix="NP",
    order_prefix="NPG-PO-",
    sites=(
        SiteSpec(
            "Northside Plaza",
            "146 Gympie Road",
            "Chermside",
            "4032",
            6,
            "Report to centre management on level 1. After hours: loading dock intercom, code from FM.",
            {
                EXTINGUISHER: 30,
                EMERGENCY_LIGHT: 24,
                EXIT_SIGN: 12,
                HOSE_REEL: 8,
                FIRE_DOOR: 8,
                BLANKET: 3,
                DETECTION: 1,
                SPRINKLER: 1,
                HYDRANT: 2,
                CCTV: 6,
            },
            6,
        ),
        SiteSpec(
            "Kedron Brook Offices",
            "412 Lutwyche Road",
            "Lutwyche",
            "4030",
            4,
            "Keys at reception. Tenants on level 3 need 24 hours notice of alarm testing.",
            {
                EXTINGUISHER: 16,
                EMERGENCY_LIGHT: 12,
                EXIT_SIGN: 7,
                HOSE_REEL: 4,
                FIRE_DOOR: 5,
                BLANKET: 2,
                DETECTION: 1,
            },
            9,
        ),
        SiteSpec(
            "Albion Central",
            "28 Sandgate Road",
            "Albion",
            "4010",
            5,
            "Car park height 2.1 m: bring the van, not the truck. Sign in at the security desk.",
            {
                EXTINGUISHER: 20,
                EMERGENCY_LIGHT: 14,
                EXIT_SIGN: 8,
                HOSE_REEL: 5,
                FIRE_DOOR: 6,
                BLANKET: 2,
                DETECTION: 1,
                SPRINKLER: 1,
                HYDRANT: 1,
            },
            13,
        ),
        SiteSpec(
            "Nundah Village Apartments",
            "17 Buckland Road",
            "Nundah",
            "4012",
            4,
            "Residential: residents get 48 hours notice before any entry. Keys with the building manager.",
            {
                EXTINGUISHER: 18,
                EMERGENCY_LIGHT: 16,
                EXIT_SIGN: 8,
                HOSE_REEL: 4,
                FIRE_DOOR: 8,
                DETECTION: 1,
                HYDRANT: 1,
            },
            17,
        ),
        SiteSpec(
            "Aspley Business Park",
            "22 Albany Creek Road",
            "Aspley",
            "4034",
            2,
            "Gate code from the FM. Warehouse forklifts operate 6 am to 2 pm.",
            {
                EXTINGUISHER: 16,
                EMERGENCY_LIGHT: 10,
                EXIT_SIGN: 6,
                HOSE_REEL: 4,
                FIRE_DOOR: 3,
                BLANKET: 2,
                DETECTION: 1,
                CCTV: 4,
            },
            21,
        ),
    ),
    contacts=(
        ContactSpec(
            "Dana",
            "Whitfield",
            "dana@northside.example",
            "Facility Manager",
            "07 3350 8812",
            "0412 558 204",
            "Ms",
            "Facilities",
            login=True,
            primary=True,
            flags=("quote", "job", "invoice", "statement"),
            site_contact_for=(0, 1, 2, 4),
        ),
        ContactSpec(
            "Sam",
            "Okafor",
            "sam@northside.example",
            "Building Supervisor",
            "07 3350 8820",
            "0423 117 650",
            "Mr",
            "Facilities",
            login=True,
            without_pages=("invoices",),
            site_indexes=(0, 2),
            flags=("job",),
            site_contact_for=(0, 2),
        ),
        ContactSpec(
            "Greg",
            "Malone",
            "greg.malone@northside.example",
            "Caretaker, Nundah Village",
            "",
            "0438 902 117",
            "Mr",
            "Facilities",
            site_contact_for=(3,),
        ),
        ContactSpec(
            "Priya",
            "Raman",
            "priya@northside.example",
            "Assistant Property Manager",
            "07 3350 8815",
            "",
            "Ms",
            "Property",
            login=True,
            login_active=False,
            deactivated=True,
            pages=("quotes", "jobs", "invoices"),
        ),
    ),
    contracts=(
        ContractSpec(
            "NPG-2024-01",
            "Essential safety measures maintenance: Northside Plaza, Kedron Brook, Albion",
            (0, 1, 2),
            -740,
            45,
            4_620_000,
            385_000,
        ),
        ContractSpec(
            "NPG-2025-02",
            "Essential safety measures maintenance: Nundah Village and Aspley",
            (3, 4),
            -65,
            300,
            2_880_000,
            240_000,
        ),
        ContractSpec(
            "NPG-2022-07",
            "Sprinkler, hydrant and CCTV maintenance (2022 to 2025)",
            (0, 2),
            -1150,
            -60,
            1_260_000,
            105_000,
            covers=(SPRINKLER, HYDRANT, CCTV),
        ),
    ),
    quotes=30,
    job_stages={"pending": 6, "progress": 8, "complete": 6, "invoiced": 9, "archive": 15},
)

ST_BRIGIDS = CustomerSpec(
    key="stbrigids",
    name="St Brigid's College",
    business_number="ABN 40 118 902 337",
    email="office@stbrigids.example",
    phone="07 3355 2100",
    address="41 Blackwood Street, Mitchelton QLD 4053",
    postal_address="PO Box 88, Mitchelton QLD 4053",
    notes="Independent P-12 school on two campuses. Work in term time only after 3:30 pm.",
    asset_prefix="SB",
    order_prefix="SBC-",
    sites=(
        SiteSpec(
            "Senior Campus",
            "41 Blackwood Street",
            "Mitchelton",
            "4053",
            3,
            "Sign in at the front office; blue card required. Science block keys from the lab manager.",
            {
                EXTINGUISHER: 14,
                EMERGENCY_LIGHT: 10,
                EXIT_SIGN: 6,
                BLANKET: 3,
                DETECTION: 1,
                FIRE_DOOR: 4,
                HOSE_REEL: 2,
            },
            11,
        ),
        SiteSpec(
            "Junior Campus",
            "8 Samford Road",
            "Enoggera",
            "4051",
            2,
            "Sign in at the front office; blue card required. No testing during assembly (Monday 9 am).",
            {EXTINGUISHER: 8, EMERGENCY_LIGHT: 6, EXIT_SIGN: 4, BLANKET: 2, DETECTION: 1},
            11,
        ),
    ),
    contacts=(
        ContactSpec(
            "Margaret",
            "Doyle",
            "office@stbrigids.example",
            "Business Manager",
            "07 3355 2100",
            "",
            "Mrs",
            "Administration",
            login=True,
            primary=True,
            flags=("quote", "job", "invoice", "statement"),
            site_contact_for=(0,),
        ),
        ContactSpec(
            "Tony",
            "Reyes",
            "grounds@stbrigids.example",
            "Grounds and Maintenance",
            "",
            "0407 221 893",
            "Mr",
            "Maintenance",
            flags=("job",),
            site_contact_for=(0, 1),
        ),
    ),
    contracts=(
        ContractSpec("SBC-2025", "Fire safety maintenance, both campuses", (0, 1), -165, 200, 960_000, 0),
    ),
    quotes=7,
    job_stages={"pending": 2, "progress": 2, "complete": 1, "invoiced": 2, "archive": 3},
)

BAYVIEW = CustomerSpec(
    key="bayview",
    name="Bayview Gardens Aged Care",
    business_number="ABN 22 604 781 950",
    email="maintenance@bayviewgardens.example",
    phone="07 3396 4400",
    address="112 Tingal Road, Wynnum QLD 4178",
    postal_address="112 Tingal Road, Wynnum QLD 4178",
    notes="84-bed residential aged care. Evacuation drills with care staff twice a year.",
    asset_prefix="BG",
    order_prefix="BG-",
    sites=(
        SiteSpec(
            "Bayview Gardens Residence",
            "112 Tingal Road",
            "Wynnum",
            "4178",
            2,
            "Sign in at reception and wear a visitor badge. Never isolate the panel without the RN in "
            "charge.",
            {
                EXTINGUISHER: 12,
                EMERGENCY_LIGHT: 10,
                EXIT_SIGN: 5,
                FIRE_DOOR: 6,
                DETECTION: 1,
                SPRINKLER: 1,
                BLANKET: 2,
            },
            24,
        ),
    ),
    contacts=(
        ContactSpec(
            "Raj",
            "Patel",
            "maintenance@bayviewgardens.example",
            "Maintenance Coordinator",
            "07 3396 4410",
            "0419 660 332",
            "Mr",
            "Maintenance",
            primary=True,
            flags=("quote", "job", "invoice"),
            site_contact_for=(0,),
        ),
    ),
    contracts=(
        ContractSpec(
            "BG-2024-03", "Fire and evacuation systems maintenance", (0,), -620, 110, 1_440_000, 120_000
        ),
    ),
    quotes=3,
    job_stages={"pending": 1, "progress": 1, "complete": 1, "invoiced": 1, "archive": 2},
)

CUSTOMERS = (NORTHSIDE, ST_BRIGIDS, BAYVIEW)

LABOUR = ("Labour: licensed fire technician (per hour)", 12_500)
CALL_OUT = ("Service call-out", 9_500)

# (name, description, unit price in cents)
OPTIONAL_ITEMS: tuple[tuple[str, str, int], ...] = (
    (
        "Replace 4.5 kg ABE extinguisher",
        "Supply and mount a new 4.5 kg ABE dry powder extinguisher, tagged.",
        12_900,
    ),
    (
        "Replace LED emergency batten",
        "Supply and install an LED emergency batten with 2-hour battery.",
        14_500,
    ),
    ("Replace exit sign (LED, single sided)", "Supply and install a running man LED exit sign.", 16_500),
    ("Fire blanket 1.2 x 1.2 m, supplied and fitted", "Wall-mounted fire blanket with signage.", 5_900),
    (
        "Five-yearly extinguisher pressure test",
        "Hydrostatic test, refill and new service tag, per extinguisher.",
        4_500,
    ),
    ("After-hours call-out", "Attendance outside 7 am to 4 pm weekdays, first hour.", 18_000),
)

SCRIPTS: tuple[tuple[str, str, ScriptUse], ...] = (
    (
        "Six-monthly extinguisher service",
        "Please carry out the six-monthly inspection of all portable fire extinguishers on site per AS "
        "1851: check "
        "pressure, seals and tags, record results, and quote for any replacements.",
        ScriptUse.JOB,
    ),
    (
        "Emergency lighting discharge test",
        "Please carry out the 90-minute discharge test of all emergency and exit lights, record results in "
        "the "
        "log book and report any fittings that fail.",
        ScriptUse.JOB,
    ),
    (
        "Fire door inspection",
        "Please inspect all fire doors for self-closing, latching, gaps and compliance tags, and quote to "
        "rectify any defects found.",
        ScriptUse.BOTH,
    ),
    (
        "Replace failed fittings",
        "Please quote to replace the emergency lights and exit signs listed below that failed their last "
        "test.",
        ScriptUse.QUOTE,
    ),
    (
        "New tenancy fit-out",
        "A tenancy on this site is being fitted out. Please quote for extinguishers, exit signs and "
        "emergency "
        "lighting to suit the new layout, and for isolating and restoring the detection system during works.",
        ScriptUse.QUOTE,
    ),
    (
        "Fire panel in fault",
        "The fire indicator panel is showing a fault. Please attend to investigate and restore the system.",
        ScriptUse.JOB,
    ),
)


@dataclass(frozen=True)
class Work:
    """A piece of work customers ask for, with the lines it is usually priced at."""

    title: str
    description: str
    asset_type: str | None
    items: tuple[
        tuple[str, int, int], ...
    ]  # (description, quantity low, quantity high); LABOUR and CALL_OUT by name
    decline_reason: str = ""
    per_asset: bool = False  # the first line's quantity is the number of assets named in the request


WORKS: tuple[Work, ...] = (
    Work(
        "Replace failed emergency lights",
        "Replace {n} emergency lights at {site} that failed the 90-minute discharge test ({where}). "
        "Supply LED battens and re-test on completion.",
        EMERGENCY_LIGHT,
        (("Replace LED emergency batten", 2, 6), (LABOUR[0], 2, 4)),
        per_asset=True,
    ),
    Work(
        "Replace damaged exit sign",
        "Exit sign pictogram damaged at {where}. Replace the fitting and test.",
        EXIT_SIGN,
        (("Replace exit sign (LED, single sided)", 1, 2), (LABOUR[0], 1, 2)),
        per_asset=True,
    ),
    Work(
        "Repair fire door closer",
        "Fire door does not self-close at {where}. Replace the closer and adjust so the door latches from "
        "fully "
        "open.",
        FIRE_DOOR,
        ((CALL_OUT[0], 1, 1), (LABOUR[0], 2, 3)),
    ),
    Work(
        "Five-yearly pressure test of extinguishers",
        "Pressure test {n} extinguishers due for their five-yearly test at {site} ({where}); supply loan "
        "units "
        "while they are at the workshop.",
        EXTINGUISHER,
        (("Five-yearly extinguisher pressure test", 3, 8), (LABOUR[0], 1, 3)),
        per_asset=True,
    ),
    Work(
        "Replace extinguishers past service life",
        "Replace {n} extinguishers at {site} that are past their service life ({where}).",
        EXTINGUISHER,
        (("Replace 4.5 kg ABE extinguisher", 2, 6), (LABOUR[0], 1, 2)),
        per_asset=True,
    ),
    Work(
        "Fire panel in fault",
        "The fire indicator panel at {site} is showing a fault on zone {level}. Attend, investigate and "
        "restore.",
        DETECTION,
        ((CALL_OUT[0], 1, 1), (LABOUR[0], 1, 3)),
    ),
    Work(
        "False alarm investigation",
        "Brigade attended a false alarm at {site} from the detector at {where}. Investigate and replace the "
        "detector if faulty.",
        DETECTION,
        (("After-hours call-out", 1, 1), (LABOUR[0], 1, 2)),
    ),
    Work(
        "Fire blanket for new kitchen",
        "Supply and fit a fire blanket in the new staff kitchen at {where}.",
        BLANKET,
        (("Fire blanket 1.2 x 1.2 m, supplied and fitted", 1, 2),),
    ),
    Work(
        "Replace perished hose reel hose",
        "Hose reel at {where} has a cracked hose. Replace the 36 m hose and nozzle and flow test.",
        HOSE_REEL,
        ((CALL_OUT[0], 1, 1), (LABOUR[0], 2, 3)),
    ),
    Work(
        "Tenancy fit-out: fire services",
        "New tenancy on level {level} at {site}: relocate extinguishers, add exit signage to suit the new "
        "layout "
        "and isolate the detection zone during works.",
        None,
        (
            ("Replace exit sign (LED, single sided)", 1, 3),
            ("Replace 4.5 kg ABE extinguisher", 1, 2),
            (LABOUR[0], 4, 10),
        ),
        "Tenant has appointed their own fit-out contractor.",
    ),
    Work(
        "LED upgrade of emergency lighting",
        "Upgrade {n} fluorescent emergency battens on levels 1 to {level} at {site} to LED.",
        EMERGENCY_LIGHT,
        (("Replace LED emergency batten", 8, 20), (LABOUR[0], 6, 12)),
        "Budget not approved this financial year.",
    ),
    Work(
        "Replace CCTV camera",
        "Camera at {where} is offline. Replace with an equivalent dome camera and re-aim.",
        CCTV,
        ((CALL_OUT[0], 1, 1), (LABOUR[0], 2, 3)),
        "Security upgrade planned next year; will replace then.",
    ),
    Work(
        "Recertify fire doors after works",
        "Recertify the fire doors at {site} after the stairwell painting works, starting with {where}.",
        FIRE_DOOR,
        ((LABOUR[0], 3, 6),),
        "Painter will rectify under their warranty.",
    ),
)

# Prices of the lines named in WORKS, in cents.
PRICES: dict[str, int] = {name: price for name, _desc, price in OPTIONAL_ITEMS} | dict((LABOUR, CALL_OUT))

TASKS: tuple[tuple[str, str], ...] = (
    (
        "Arrange after-hours access for level 3 testing",
        "Tenant on level 3 works 24/7; arrange a window with security.",
    ),
    ("Send updated zone block plan", "Zone block plan at the FIP is out of date after the level 2 fit-out."),
    ("Confirm resident notices for alarm testing", "Building manager to issue 48-hour notices to residents."),
    ("Order replacement exit sign pictograms", "Six pictograms damaged in the last inspection."),
    (
        "Book lift technician for fire door coordination",
        "Lift recall to be witnessed during the annual test.",
    ),
    ("Chase purchase order for quote", "Quote accepted by phone; the PO number has not arrived yet."),
    ("Issue annual occupier statement", "Annual fire safety certificate to be signed and lodged."),
    ("Replace log book at fire panel", "Log book at the fire control room is full."),
    ("Check sprinkler valve room lighting", "Technician reported the valve room light is not working."),
    ("Update site induction for new contractor rules", "Induction pack to include the new parking rules."),
    ("Schedule five-yearly pressure tests", "Group the five-yearly tests due this quarter into one visit."),
    ("Obtain key for locked plant room", "Plant room on level 4 was locked at the last two visits."),
    ("Confirm evacuation diagram positions", "Diagrams need to match the new exit layout on level 2."),
    ("Review defect list with facility manager", "Walk through current critical defects before the audit."),
    (
        "Provide battery replacement schedule",
        "Emergency light batteries installed 2021 are due for replacement.",
    ),
)

STAFF = ("Kylie Hart (office)", "Liam Carter", "Mia Nguyen", "Ben Kowalski")


@dataclass(frozen=True)
class StaffLogin:
    """A back-office login of the demo. The ids are the ones the demo's history was made by (the
    office prices, books and invoices as 1; the technician closes its jobs as 2)."""

    id: int
    email: str
    name: str
    role: str


STAFF_LOGINS: tuple[StaffLogin, ...] = (
    StaffLogin(1, "office@harbourside-fire.example", "Kylie Hart", "office"),
    StaffLogin(2, "technician@harbourside-fire.example", "Liam Carter", "technician"),
    StaffLogin(3, "owner@harbourside-fire.example", "Mia Nguyen", "owner"),
)
# Every demo staff login has this authenticator secret already set up, so `portal totp` can print the
# current code. `portal totp` refuses any other secret: on a real install it opens nothing.
STAFF_TOTP_SECRET = "HARBOURSIDEFIREDEMOTOTPSECRETKEY"  # noqa: S105

METRO_SUBURBS = (
    "Ashgrove",
    "Bulimba",
    "Carindale",
    "Chermside",
    "Coorparoo",
    "Everton Park",
    "Ferny Grove",
    "Forest Lake",
    "Graceville",
    "Holland Park",
    "Inala",
    "Indooroopilly",
    "Kenmore",
    "Kuraby",
    "Manly",
    "Mitchelton",
    "Mt Gravatt",
    "Nundah",
    "Sandgate",
    "Stafford",
    "Sunnybank",
    "Toowong",
    "Wynnum",
    "Zillmere",
    "Annerley",
    "Bracken Ridge",
    "Bardon",
    "Corinda",
    "Wavell Heights",
    "Upper Mount Gravatt",
    "Hamilton",
    "Kedron",
    "Morningside",
    "Paddington",
    "Red Hill",
    "Rochedale",
    "Salisbury",
    "Taringa",
    "Yeronga",
    "Geebung",
)
METRO_FACILITIES = (
    "Library",
    "Aquatic Centre",
    "Community Hall",
    "Works Depot",
    "Customer Service Centre",
    "Sports Complex",
    "Child Care Centre",
    "Senior Citizens Centre",
)
METRO_STREETS = (
    "Station Road",
    "Main Street",
    "Park Road",
    "Church Street",
    "Railway Parade",
    "School Road",
    "Queen Street",
    "Beckett Road",
    "Old Northern Road",
    "Logan Road",
)
METRO_INVOICE_TEXTS = (
    "Quarterly maintenance, {site}",
    "Fire alarm monitoring, {site}",
    "Replacement parts supplied, {site}",
    "After-hours call-out, {site}",
    "Emergency lighting repairs, {site}",
    "Extinguisher replacements, {site}",
)
