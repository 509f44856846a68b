"""The texts that go with the exports: the two mapping files and LEESMIJ_SYNTHETISCH.txt (Dutch)."""

from __future__ import annotations

import textwrap

import pandas as pd

from wijkloket.synthetic.assumptions import (
    BAD_ROW_SHARE,
    CBS_YEAR,
    EARLY_DAYS,
    ISSUANCE_PRODUCTS,
    MAX_AGE,
    P_LOSS_REPORT,
    P_URGENT,
    P_WAITED_FOR_2014,
    PERSONS_PER_HOUSEHOLD,
    REFERENCE_DATE,
    RENEWAL_TIMING,
    STATUSES,
    VISIT_PRODUCTS,
)
from wijkloket.synthetic.population import Addresses, Areas
from wijkloket.synthetic.propensities import AGE_GROUPS, Propensities
from wijkloket.synthetic.xlsx import SHEET_NAME


def nl(number: int) -> str:
    """A count with a Dutch thousands separator: 167635 -> 167.635."""
    return f"{number:,}".replace(",", ".")


def _toml_table(pairs: dict[str, str]) -> str:
    return "".join(f'"{k}" = "{v}"\n' for k, v in pairs.items())


def visits_mapping(seed: int) -> str:
    return (
        f"# Synthetic export: made by wijkloket simulate (seed {seed}). Not real residents.\n"
        "# Synthetisch bestand: gemaakt door wijkloket simulate. Geen echte inwoners.\n"
        "# Unmapped columns (Afspraaknummer, BSN, Naam, E-mail, Telefoon, Synthetisch) are identifying or\n"
        "# not needed and must be dropped on import.\n"
        "[file]\n"
        'encoding = "cp1252"\n'
        'delimiter = ";"\n'
        'date_format = "%d-%m-%Y"\n'
        'birth_date_format = "%d-%m-%Y"\n'
        "synthetic = true\n"
        "[columns]\n"
        'date = "Datum afspraak"\n'
        'time = "Tijd"\n'
        'product = "Product"\n'
        'postcode = "Postcode"\n'
        'house_number = "Huisnr"\n'
        'status = "Status"\n'
        'location = "Locatie"\n'
        'birth_date = "Geboortedatum"\n'
        "[products]\n" + _toml_table(VISIT_PRODUCTS)
        + "[statuses]\n" + _toml_table(STATUSES)
    )


def issuances_mapping(seed: int) -> str:
    return (
        f"# Synthetic export: made by wijkloket simulate (seed {seed}). Not real residents.\n"
        "# Synthetisch bestand: gemaakt door wijkloket simulate. Geen echte inwoners.\n"
        "# Dates are Excel dates. Documentnummer and Geboortedatum are identifying: drop them on import\n"
        "# (the birth date only serves to derive an age group).\n"
        "[file]\n"
        f'sheet = "{SHEET_NAME}"\n'
        "synthetic = true\n"
        "[columns]\n"
        'date = "Datum verstrekking"\n'
        'product = "Documentsoort"\n'
        'postcode = "Postcode"\n'
        'house_number = "Huisnummer"\n'
        'birth_date = "Geboortedatum"\n'
        "[products]\n" + _toml_table(ISSUANCE_PRODUCTS)
    )


def readme(*, gemeente: str, gemeente_name: str, years: tuple[int, int], seed: int, ar: Areas,
           addr: Addresses, n_residents: int, files: dict[str, tuple[str, int]], n_bad: int,
           yearly: pd.DataFrame, props: Propensities, ratios: pd.DataFrame) -> str:
    """LEESMIJ_SYNTHETISCH.txt: what the files are, the inputs, every assumption, the planted effects, and
    applications per year."""
    name = f"{gemeente_name} ({gemeente})" if gemeente_name else gemeente
    lines = (_intro(name, years, seed, files) + _inputs(ar, addr, n_residents) + _population(ar, addr)
             + _documents(props) + _visits(n_bad, props) + _planted(props, ratios)
             + _identifiers_and_counts(yearly))
    return "\n".join(lines)


def _intro(name: str, years: tuple[int, int], seed: int, files: dict[str, tuple[str, int]]) -> list[str]:
    y0, y1 = years
    lines = [
        "SYNTHETISCHE GEGEVENS - GEEN ECHTE INWONERS",
        "=" * 43,
        "",
        f"Deze bestanden zijn gemaakt door `wijkloket simulate` voor {name}, jaren {y0}-{y1}, seed {seed}.",
        "Ze lijken op exports van een afsprakensysteem en een burgerzakensysteem van een gemeente, maar",
        "zijn volledig verzonnen: er staat geen enkele echte persoon, echt BSN of echt adres in. Gebruik ze",
        "voor demonstraties en tests, nooit als cijfers over de gemeente. Elke rij heeft een laatste kolom",
        "`Synthetisch` met de waarde `ja`; de mappingbestanden zeggen `synthetic = true`.",
        "",
        "Zelfde invoer en seed geven byte voor byte dezelfde bestanden.",
        "",
        "Bestanden",
        "---------",
    ]
    return lines + [f"- {fname}: {what}" for fname, (what, _) in files.items()]


def _inputs(ar: Areas, addr: Addresses, n_residents: int) -> list[str]:
    level = "buurten" if ar.level == "buurt" else "wijken"
    lines = [
        "",
        "Invoer",
        "------",
        f"- {len(ar.codes)} {level} met inwoners (CBS), samen {nl(n_residents)} inwoners en {nl(len(addr.area))}"
        " adressen (één adres per huishouden).",
    ]
    if ar.skipped:
        lines.append(f"- Zonder inwoners, overgeslagen: {', '.join(ar.skipped)}.")
    if ar.national_shares_used:
        lines.append(f"- Zonder leeftijdsverdeling, landelijke verdeling 16/12/25/26/21% gebruikt: "
                     f"{', '.join(ar.national_shares_used)}.")
    return lines


def _population(ar: Areas, addr: Addresses) -> list[str]:
    lines = [
        "",
        "Aannames",
        "--------",
        "Bevolking en adressen",
        f"- Vaste bevolking zoals op 1 januari {REFERENCE_DATE.year} (CBS Kerncijfers {CBS_YEAR}): geen geboorte,",
        "  sterfte of verhuizing in de gesimuleerde jaren. Leeftijden binnen de CBS-leeftijdsgroepen per",
        f"  gebied, gelijkmatig per jaar; 65+ verdeeld over 65-{MAX_AGE - 1} jaar naar ongeveer de landelijke"
        " verdeling.",
        f"- Eén adres per huishouden; ontbreekt het aantal huishoudens, dan inwoners / {PERSONS_PER_HOUSEHOLD}.",
        "- Postcodes zijn verzonnen: PC4-nummers vanaf een startwaarde die uit de gemeentecode volgt, PC6 =",
        "  PC4 + twee letters (nooit SA, SD of SS), 15-20 adressen per PC6, huisnummers aan één kant van een",
        "  straat (stap 2). Enkele PC4's en 1-3 PC6's liggen bewust in twee gebieden:",
        f"  PC4 {', '.join(map(str, addr.shared_pc4)) or '-'}; PC6 {', '.join(addr.shared_pc6) or '-'}.",
    ]
    if ar.level == "wijk":
        lines.append("- De postcodetabel heeft alleen wijken; de kolom Buurt is synthetisch: wijkcode + '00'.")
    return lines


def _documents(p: Propensities) -> list[str]:
    return [
        "Documenten en geldigheid",
        "- Paspoort en identiteitskaart: voor volwassenen 10 jaar geldig als uitgegeven op of na",
        "  9 maart 2014, daarvoor 5 jaar; voor minderjarigen altijd 5 jaar (Paspoortwet).",
        "- Rijbewijs: 10 jaar geldig bij afgifte voor het 65e jaar; bij afgifte op 65-69 jaar geldig tot de",
        "  75e verjaardag; vanaf 70 jaar 5 jaar (regels sinds 2014). Vanaf 75 jaar verlengt 85%, vanaf 85",
        "  jaar 60% (medische keuring).",
        "- Per houder wordt de documentgeschiedenis gesimuleerd vanaf een eerste afgifte (uiterlijk 1985),",
        "  zodat de overgang van 5 naar 10 jaar in 2014 zichtbaar wordt: een dal in aanvragen 2019-2023 en",
        "  een piek vanaf 2024.",
        f"- Verlengen: reisdocumenten {RENEWAL_TIMING['travel'][0]:.0%} in de {EARLY_DAYS['travel']} dagen voor het"
        " verlopen, de rest"
        f" erna (gemiddeld {RENEWAL_TIMING['travel'][1]:.0f}",
        "  dagen, hoogstens 6 jaar: wie paspoort en identiteitskaart heeft, verlengt er vaak één pas als het",
        f"  nodig is); rijbewijzen {RENEWAL_TIMING['licence'][0]:.0%} op tijd, de rest gemiddeld"
        f" {RENEWAL_TIMING['licence'][1]:.0f} dagen later.",
        "  Voorkeur voor april-juni. Wie eind 2013 moest verlengen met een nog geldig document, wachtte",
        f"  in {P_WAITED_FOR_2014:.0%} van de gevallen tot na 9 maart 2014.",
        f"- Bezit (inwoners met de Nederlandse nationaliteit): {p['possession.passport_adult']:.0%} van de"
        f" volwassenen een paspoort, {p['possession.id_adult']:.0%} een",
        f"  identiteitskaart ({p['possession.id_without_passport']:.0%} van wie geen paspoort heeft), ~3% geen"
        " van beide.",
        f"  Kinderen per huishouden: {p['possession.child_passport_household']:.0%} paspoort,"
        f" {p['possession.child_id_household']:.0%} identiteitskaart,",
        "  broers en zussen in hetzelfde ritme; vanaf 14 jaar altijd een identiteitsdocument (WID).",
        "  Rijbewijs naar leeftijd: " + ", ".join(
            f"{lo}-{hi - 1} {share:.0%}" if hi < 200 else f"{lo}+ {share:.0%}"
            for lo, hi, share in p["possession.licence_by_age"]) + ".",
        "- Geen COVID-effect en geen extra vroege verlengingen door voorlichting over de 'paspoortpiek': het",
        "  dal 2019-2023 is daardoor dieper dan landelijk in 2023 (1,6 miljoen reisdocumenten tegen ~2,9",
        "  miljoen verwacht in 2024); 2024 komt op ongeveer het landelijke niveau per inwoner.",
        "- Aanvragen buiten de cyclus (vermissing, diefstal, beschadiging, naamswijziging, nieuwe inwoners)",
        "  per houder per jaar: paspoort",
        f"  {p.replacement(0):.1%}, identiteitskaart {p.replacement(1):.1%}, rijbewijs {p.replacement(2):.1%};"
        f" bij {P_LOSS_REPORT:.0%} van de",
        "  vervangende reisdocumenten eerst een afspraak 'Vermissing reisdocument'.",
    ]


def _visits(n_bad: int, p: Propensities) -> list[str]:
    lines = [
        "Afspraken",
        "- Per document een aanvraag en een ophaalafspraak ongeveer een week later (spoed: 1-3 werkdagen;",
        f"  15% haalt 1-4 weken later op). {P_URGENT:.0%} van de aanvragen met spoed.",
        f"- Overige producten per inwoner per jaar ({' / '.join(AGE_GROUPS)}), met een factor per gebied",
        f"  (lognormaal, spreiding {p['variation.other_products']:.0%}; zie ook 'Geplante effecten'):",
    ]
    lines += [f"  {k}: {' / '.join(f'{r:.3f}' for r in v)}" for k, v in p["visits.other_rates"].items()]
    return lines + [
        "- Status: 90% Afgerond, 5% Niet verschenen, 5% Geannuleerd; een mislukte aanvraag of ophaalafspraak",
        "  wordt opnieuw gepland en gaat dan door.",
        "- Seizoen: drukte april-juni, rustig in december; ma-vr 08:30-16:30 in blokken van 10 minuten,",
        "  vrijdag rustiger, dicht op feestdagen; enkele zaterdagochtenden (alleen Stadhuis).",
        "- Locaties: Stadhuis, en per gebied 3-30% bij de Stadswinkel.",
        f"- {n_bad} rijen zijn bewust fout ({BAD_ROW_SHARE:.1%}): datum 31-02 of '--', lege postcode,",
        "  postcode 0000 XX of product 'Onbekend'. Een goede import weigert precies die rijen.",
        "- Postcodes zijn ingetikt zoals mensen dat doen: '2011 AB', '2011AB', '2011ab', '2011 ab'.",
    ]


def _planted(p: Propensities, ratios: pd.DataFrame) -> list[str]:
    """The planted effects, their parameters per area, and the ratios they should produce."""
    whole = ratios[ratios["year"].isna()].set_index(["area_code", "kind", "product"])["planted_ratio"]
    areas = ratios.drop_duplicates("area_code").set_index("area_code")
    named = p["nationality.areas"]
    docs = " of ".join(_DOC_NL[d] for d in p["nationality.products"])
    higher = (", hoger in " + ", ".join(f"{c} {s:.0%}" for c, s in named.items())) if named else ""
    no_km = "" if areas["distance_km"].notna().any() else " (geen afstanden voor deze gemeente: niet toegepast)"
    items = [
        f"Nationaliteit: inwoners zonder Nederlandse nationaliteit hebben geen Nederlands {docs} en vragen"
        f" die dus niet aan en halen die niet op. Aandeel, per huishouden getrokken: standaard"
        f" {p['nationality.share']:.0%}{higher}. Bron: {p.items['nationality.share'].source}.",
        f"Afstand tot de centrale balie: {', '.join(p['distance.products'])} per inwoner x"
        f" exp(-{p['distance.per_km']:.2f} x km){no_km}. Afstanden: {p.items['distance.km'].source}.",
        f"Onverklaarde variatie: de overige producten per gebied x een lognormale factor (spreiding"
        f" {p['variation.other_products']:.0%}).",
        "Het bestand geplante_effecten_*_synthetisch.csv geeft per gebied, product en jaar de verhouding"
        " (100 = zoals verwacht) die de onderbenuttingsindex (wijkloket underuse) hoort te vinden. Over alle"
        " jaren (bezoeken):",
    ]
    lines = ["Geplante effecten (bewust aangebrachte verschillen tussen gebieden)"]
    for item in items:
        lines += textwrap.wrap(item, width=100, initial_indent="- ", subsequent_indent="  ")
    lines.append(f"  {'gebied':<10} {'niet-NL':>7} {'km':>5} {'paspoort':>8} {'ID-kaart':>8} {'uittreksel':>10}"
                 f" {'verklaring':>10} {'top':>5}")
    for code, row in areas.iterrows():
        cells = [whole.get((code, "visit", q)) for q in ("passport", "id_card", "brp_extract", "declaration", "top")]
        km = "-" if row["distance_km"] != row["distance_km"] else f"{row['distance_km']:.1f}"
        lines.append(f"  {code:<10} {row['non_dutch_drawn']:>7.1%} {km:>5} "
                     + " ".join(f"{_r(v):>{w}}" for v, w in zip(cells, (8, 8, 10, 10, 5), strict=True)))
    return lines + [""]


_DOC_NL = {"passport": "paspoort", "id_card": "identiteitskaart"}


def _r(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.0f}"


def _identifiers_and_counts(yearly: pd.DataFrame) -> list[str]:
    return [
        "Identificerende kolommen (bewust aanwezig, de import moet ze weggooien)",
        "- BSN alleen uit de testreeks 999990000-999999999 (niet aan personen uitgegeven), met elfproef;",
        "  er zijn maar 909 zulke nummers, dus meerdere personen delen een BSN.",
        "- Namen willekeurig uit korte lijsten; e-mail @example.com; telefoon 06-0..., een reeks die niet",
        "  wordt uitgegeven; documentnummers willekeurig (paspoort-layout, rijbewijs 10 cijfers).",
        "",
        "Aanvragen per jaar (afspraken met status Afgerond)",
        "--------------------------------------------------",
        yearly.to_string(),
        "",
        f"Bron invoer: CBS Kerncijfers wijken en buurten {CBS_YEAR} (CC BY 4.0). Alles daarnaast is synthetisch.",
        "",
    ]
