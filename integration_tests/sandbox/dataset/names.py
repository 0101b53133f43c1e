"""Name and address pools for generated companies and people.

The pinned companies at the top exist on purpose: near-duplicate names (case, accents), a tax-exempt
charity, a customer with no routing UDF, and one billed in a currency its Xero organisation has not enabled.
Connectors must handle each of them, so every dataset size contains them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """Where a customer sits: drives country, currency, Autotask tax region, branch and Xero routing."""

    key: str
    country: str
    currency: str
    tax_region: str
    branch: str
    xero: str | None
    cities: tuple[tuple[str, str, str], ...]  # (city, state, postal code)


REGIONS: dict[str, Region] = {
    "UK": Region(
        "UK",
        "GB",
        "GBP",
        "UK VAT",
        "UK & Europe",
        "UK",
        (
            ("London", "Greater London", "EC1A 4JQ"),
            ("Manchester", "Greater Manchester", "M1 2WD"),
            ("Leeds", "West Yorkshire", "LS1 4DY"),
            ("Bristol", "City of Bristol", "BS1 5TR"),
            ("Reading", "Berkshire", "RG1 1AZ"),
        ),
    ),
    "EU": Region(
        "EU",
        "IE",
        "EUR",
        "EU Reverse Charge",
        "UK & Europe",
        "UK",
        (("Dublin", "Co. Dublin", "D02 X285"), ("Cork", "Co. Cork", "T12 RX2Y")),
    ),
    "DE": Region(
        "DE",
        "DE",
        "EUR",
        "EU Reverse Charge",
        "UK & Europe",
        "UK",
        (("München", "Bayern", "80331"), ("Köln", "Nordrhein-Westfalen", "50667")),
    ),
    "UKUSD": Region(
        "UKUSD", "GB", "USD", "UK VAT", "UK & Europe", "UK", (("London", "Greater London", "E14 5AB"),)
    ),
    "CA": Region(
        "CA",
        "US",
        "USD",
        "California",
        "North America",
        "US",
        (("San Francisco", "CA", "94105"), ("Los Angeles", "CA", "90017"), ("San Diego", "CA", "92101")),
    ),
    "USX": Region(
        "USX",
        "US",
        "USD",
        "Tax Exempt",
        "North America",
        "US",
        (("Austin", "TX", "78701"), ("Portland", "OR", "97204"), ("Denver", "CO", "80202")),
    ),
    "CAN": Region(
        "CAN",
        "CA",
        "CAD",
        "Tax Exempt",
        "North America",
        "US",
        (("Toronto", "ON", "M5H 2N2"), ("Vancouver", "BC", "V6C 1T2")),
    ),
    "AU": Region(
        "AU",
        "AU",
        "AUD",
        "Australia GST",
        "Asia Pacific",
        "AU",
        (
            ("Sydney", "NSW", "2000"),
            ("Melbourne", "VIC", "3000"),
            ("Brisbane", "QLD", "4000"),
            ("Perth", "WA", "6000"),
        ),
    ),
    "NZ": Region(
        "NZ",
        "NZ",
        "NZD",
        "New Zealand GST",
        "Asia Pacific",
        "AU",
        (("Auckland", "Auckland", "1010"), ("Wellington", "Wellington", "6011")),
    ),
    "AUUSD": Region("AUUSD", "AU", "USD", "Australia GST", "Asia Pacific", "AU", (("Darwin", "NT", "0800"),)),
}

# Share of generated (non-pinned) customers per region, in draw order.
REGION_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("UK", 34),
    ("EU", 8),
    ("DE", 4),
    ("UKUSD", 2),
    ("CA", 14),
    ("USX", 7),
    ("CAN", 4),
    ("AU", 18),
    ("NZ", 9),
)


@dataclass(frozen=True)
class Pinned:
    name: str
    region: str
    tax_exempt: bool = False
    routed: bool = True


PINNED_CUSTOMERS: tuple[Pinned, ...] = (
    Pinned("Café Nova Ltd", "UK"),
    Pinned("Cafe Nova Ltd", "UK"),
    Pinned("ACME Plumbing", "CA"),
    Pinned("Acme Plumbing", "USX"),
    Pinned("Brightwater Dental Group", "UK"),
    Pinned("Old Mill Accountants", "UK"),
    Pinned("St. Mary's Primary School", "UK", tax_exempt=True),
    Pinned("Green Leaf Charity Trust", "UK", tax_exempt=True),
    Pinned("Müller & Söhne GmbH", "DE"),
    Pinned("Northern Lights Hotels", "UK", routed=False),
    Pinned("Noosa Café", "AU"),
    Pinned("Harbour Logistics Pty Ltd", "AU"),
    Pinned("Pacific Freight Co", "AUUSD"),
    Pinned("Golden Gate Dental Partners", "CA"),
    Pinned("Maple Leaf Engineering Inc", "CAN"),
    Pinned("Kiwi Orchard Holdings", "NZ"),
)

VENDORS: tuple[tuple[str, str], ...] = (
    ("Ingram Micro UK Ltd", "UK"),
    ("Dicker Data Australia Pty Ltd", "AU"),
    ("TD SYNNEX Corporation", "CA"),
    ("Pax8 UK Ltd", "UK"),
    ("Microsoft Ireland Operations Ltd", "EU"),
    ("Dell Technologies Australia", "AU"),
)

PREFIXES: tuple[str, ...] = (
    "Apex",
    "Blue Harbour",
    "Cedar",
    "Crown",
    "Elm Street",
    "Fairview",
    "Granite",
    "Hawthorn",
    "Ironbridge",
    "Juniper",
    "Kingfisher",
    "Lakeside",
    "Meridian",
    "Northgate",
    "Oakridge",
    "Pinnacle",
    "Quayside",
    "Redwood",
    "Silverline",
    "Thornbury",
    "Union",
    "Vantage",
    "Westbrook",
    "Yarrow",
    "Zenith",
    "Ashford",
    "Beacon",
    "Copperfield",
    "Driftwood",
    "Evergreen",
    "Foxglove",
    "Highland",
    "Ivy Lane",
    "Kestrel",
    "Larkspur",
    "Millbrook",
    "Orchard",
    "Primrose",
    "Riverside",
    "Summit",
    "Tidewater",
    "Willow",
)
TRADES: tuple[str, ...] = (
    "Dental",
    "Accountants",
    "Legal",
    "Logistics",
    "Veterinary Clinic",
    "Architects",
    "Engineering",
    "Property Group",
    "Medical Centre",
    "Construction",
    "Wealth Management",
    "Marketing",
    "Hotels",
    "Insurance Brokers",
    "Manufacturing",
    "Pharmacy",
    "Recruitment",
    "Surveyors",
    "Motors",
    "Foods",
)
SUFFIXES: dict[str, tuple[str, ...]] = {
    "GB": ("Ltd", "LLP", "Limited", "Group Ltd"),
    "IE": ("Ltd", "DAC", "Teoranta"),
    "DE": ("GmbH", "AG", "GmbH & Co. KG"),
    "US": ("Inc", "LLC", "Corp", "Co."),
    "CA": ("Inc", "Ltd", "Corp"),
    "AU": ("Pty Ltd", "Pty Limited", "Group"),
    "NZ": ("Ltd", "Limited"),
}
FIRST_NAMES: tuple[str, ...] = (
    "Olivia",
    "Jack",
    "Amelia",
    "Noah",
    "Isla",
    "Liam",
    "Ava",
    "Oliver",
    "Mia",
    "Leo",
    "Chloé",
    "Seán",
    "Zoë",
    "Mateo",
    "Priya",
    "Hiroshi",
    "Aroha",
    "Tama",
    "Fatima",
    "Lukas",
    "Sophie",
    "Ethan",
    "Grace",
    "Ravi",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Taylor",
    "O'Connor",
    "Nguyen",
    "Müller",
    "Patel",
    "Wilson",
    "García",
    "Thompson",
    "Ngata",
    "Chen",
    "Evans",
    "Walker",
    "MacDonald",
    "Kowalski",
    "Roberts",
    "Singh",
)
TITLES: tuple[str, ...] = (
    "Office Manager",
    "Finance Director",
    "Practice Manager",
    "IT Lead",
    "Accounts Payable",
    "Managing Director",
)
STREETS: dict[str, tuple[str, ...]] = {
    "GB": ("High Street", "Station Road", "Market Square", "King William Street", "Deansgate"),
    "IE": ("Grafton Street", "Baggot Street Lower", "Patrick Street"),
    "DE": ("Bahnhofstraße", "Leopoldstraße", "Hohenzollernring"),
    "US": ("Main Street", "Mission Street", "Congress Avenue", "Market Street"),
    "CA": ("Bay Street", "Granville Street", "King Street West"),
    "AU": ("George Street", "Collins Street", "Queen Street", "Hay Street"),
    "NZ": ("Lambton Quay", "Queen Street", "Ponsonby Road"),
}
TICKET_TOPICS: tuple[str, ...] = (
    "Printer offline in reception",
    "Outlook not syncing",
    "New starter laptop build",
    "VPN drops every hour",
    "Replace failed NAS disk",
    "Firewall firmware upgrade",
    "MFA reset for user",
    "Wi-Fi dead spot upstairs",
    "Migrate shared mailbox",
    "Server patching after hours",
    "Restore deleted folder from backup",
    "Teams meeting room setup",
    "Phishing email investigation",
    "Install line-of-business app update",
)
PROJECT_NAMES: tuple[str, ...] = (
    "Microsoft 365 migration",
    "Office network refresh",
    "Server replacement",
    "New office fit-out",
    "Cyber Essentials remediation",
    "Backup platform move",
    "Windows 11 rollout",
    "Wireless upgrade",
)
