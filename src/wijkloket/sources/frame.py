"""The survey's sampling frame as a municipality exports it from the BRP (issue 10, point 3).

CSV (UTF-8 or Windows-1252, `;` or `,`) or XLSX with a pseudonymous person (or address) id, a postcode (PC6
or PC4) or a CBS area code (WK/BU), an age or a birth year, the sex (M/V, M/F, man/vrouw) and optionally the
letter language (nl/en, default nl). Dutch headers are recognised (`pseudoniem`, `leeftijd`, `geboortejaar`,
`geslacht`, `wijkcode`, `buurtcode`, ...); any other layout through a mapping file with a `[columns]` table
(role = "header") and a `[file]` table (`encoding`, `delimiter`, `sheet`, `synthetic`).

Privacy at the door: a column whose header looks like a BSN, a name, an address, a date of birth, a phone
number or an e-mail address is refused (or, when asked, dropped unread with a warning); person ids that look
like BSNs (most pass the eleven-test) or e-mail addresses are refused. Only the roles above are read. The
frame is never stored: the use case keeps counts and the sampled units' area, age band and sex only.

A frame marked synthetic (mapping `[file] synthetic = true`, or a first line `# synthetic`) says so in
every output made from it.
"""

from __future__ import annotations

import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wijkloket.areas.codes import is_area_code, wijk_of
from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.files import check_file, decode, read_text_file
from wijkloket.sources.logs import eleven_test, excel_frame

ROLES = ("person_id", "postcode", "area_code", "age", "birth_year", "sex", "language")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "person_id": ("person_id", "personid", "pseudoniem", "pseudonym", "pseudoid", "persoonid", "persoon",
                  "adresid", "id"),
    "postcode": ("postcode", "pc6", "pc4", "postcode6", "postcode4", "postal_code", "postalcode", "zip"),
    "area_code": ("area_code", "areacode", "wijkcode", "buurtcode", "gebiedscode", "wijk", "buurt"),
    "age": ("age", "leeftijd"),
    "birth_year": ("birth_year", "birthyear", "geboortejaar", "jaar_geboorte"),
    "sex": ("sex", "geslacht", "gender", "geslachtsaanduiding"),
    "language": ("language", "taal", "brieftaal", "lang", "letter_language"),
}
# Headers that hold identifying data (normalised: lower case, letters and digits only). Area names such as
# `wijknaam` are not identifying: the name patterns only match a person's name.
IDENTIFYING = re.compile(
    r"bsn|burgerservice|sofinummer|^anummer|administratienummer"
    r"|^(voor|achter|geslachts|roep|familie|eigen|partner|volledige)?na(a)?m(en)?$"
    r"|^(first|last|given|family|sur|full|middle)name$|voornamen|voorletters|initialen|tussenvoegsel"
    r"|adres(?!id)|address(?!id)|straat|street|huisnummer|huisletter|housenumber|huisnr|woonplaats"
    r"|geboortedatum|geboortedag|birthdate|dateofbirth|^dob$|^gebdat"
    r"|telefoon|phone|mobiel|mobile|^gsm$|^tel(nr)?$|mail")
REJECT_REASONS = ("missing_person_id", "duplicate_person_id", "bad_age", "under_15", "bad_sex", "bad_postcode",
                  "postcode_outside", "unknown_area")
EXCLUDED = ("under_15",)  # reported as excluded (the survey is for 15+), not as an error
MIN_AGE = 15
SEX = {"m": "M", "man": "M", "male": "M", "mannelijk": "M", "v": "V", "f": "V", "vrouw": "V", "female": "V",
       "vrouwelijk": "V"}
LANGUAGE = {"": "nl", "nl": "nl", "nld": "nl", "dut": "nl", "nederlands": "nl", "dutch": "nl",
            "en": "en", "eng": "en", "engels": "en", "english": "en"}
PC6 = r"[1-9][0-9]{3}[A-Z]{2}"
PC4 = r"[1-9][0-9]{3}"
MAPPING_SECTIONS = ("file", "columns")


@dataclass
class FrameMapping:
    path: Path | None
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    synthetic: bool = False


@dataclass
class Frame:
    """The frame as read: one row per input row, canonical columns, and why a row cannot be used."""

    table: pd.DataFrame  # row_number, person_id, postcode, area_code, age, sex, language, reason
    columns: dict[str, str]  # role -> header used
    dropped: list[str]  # identifying headers dropped unread (--drop-identifying)
    encoding: str
    synthetic: bool
    language_defaulted: int = 0  # rows whose language was not nl/en: letter in Dutch

    @property
    def rows_read(self) -> int:
        return len(self.table)


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def load_frame_mapping(path: Path) -> FrameMapping:
    """A frame mapping file: `[columns]` role = "header", `[file]` encoding, delimiter, sheet, synthetic."""
    text = read_text_file(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=str(path), detail=str(exc)) from None
    for section in raw:
        if section not in MAPPING_SECTIONS:
            raise ConfigError("error.mapping_section", file=str(path), section=section,
                              known=", ".join(MAPPING_SECTIONS))
    cols = raw.get("columns", {})
    unknown = [r for r in cols if r not in ROLES]
    if unknown:
        raise ConfigError("error.mapping_unknown_role", file=str(path), role=unknown[0], known=", ".join(ROLES))
    f = raw.get("file", {})
    return FrameMapping(path, {k: str(v).strip() for k, v in cols.items()}, f.get("encoding"), f.get("delimiter"),
                        f.get("sheet"), bool(f.get("synthetic", False)))


def identifying_headers(headers: list[str], used: set[str]) -> list[str]:
    """The headers that look identifying (see IDENTIFYING), except those mapped to a role on purpose."""
    return [h for h in headers if h not in used and IDENTIFYING.search(_norm(h))]


def _roles(headers: list[str], mapping: FrameMapping, where: str) -> dict[str, str]:
    """Role -> header: the mapping's, then the synonyms (first match wins)."""
    found: dict[str, str] = {}
    for role, header in mapping.columns.items():
        if header not in headers:
            raise InputFileError("error.frame_mapped_missing", file=where, role=role, column=header,
                                 found=", ".join(headers))
        found[role] = header
    by_norm = {_norm(h): h for h in reversed(headers)}
    for role, names in SYNONYMS.items():
        if role in found:
            continue
        hit = next((by_norm[_norm(n)] for n in names if _norm(n) in by_norm), None)
        if hit is not None and hit not in found.values():
            found[role] = hit
    return found


def _check_roles(roles: dict[str, str], headers: list[str], where: str) -> None:
    missing = []
    if "person_id" not in roles:
        missing.append("person_id")
    if "postcode" not in roles and "area_code" not in roles:
        missing.append("postcode | area_code")
    if "age" not in roles and "birth_year" not in roles:
        missing.append("age | birth_year")
    if "sex" not in roles:
        missing.append("sex")
    if missing:
        raise InputFileError("error.frame_roles", file=where, missing=", ".join(missing),
                             found=", ".join(headers) or "-")


@dataclass
class _Raw:
    table: pd.DataFrame  # the role columns only, as text
    roles: dict[str, str]
    dropped: list[str]
    encoding: str
    marked: bool  # a first line `# synthetic`
    first_row: int  # the line (CSV) or row (XLSX) number of the first data row


def _csv_head(path: Path, mapping: FrameMapping) -> tuple[str, list[str], str, str, bool]:
    """(text without a leading `# synthetic` line, header cells, separator, encoding, marked synthetic)."""
    text, enc = decode(path.read_bytes(), path, mapping.encoding)
    text = text.lstrip("\ufeff")
    first, _, rest = text.partition("\n")
    marked = first.strip().lower().startswith("# synthetic")
    if marked:
        text = rest
    if not text.strip():
        raise InputFileError("error.file_empty", file=str(path))
    header_line = text.splitlines()[0]
    sep = mapping.delimiter or (";" if header_line.count(";") > header_line.count(",") else ",")
    headers = [h.strip().strip('"').strip() for h in header_line.split(sep)]
    return text, headers, sep, enc, marked


def _raw_table(path: Path, mapping: FrameMapping, drop_identifying: bool) -> _Raw:
    """The role columns of the file; identifying columns refused, or dropped unread when asked."""
    where = str(path)
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    if xlsx:
        sheet, first_row = excel_frame(path, mapping.sheet)
        headers, enc, marked, text, sep = [str(c) for c in sheet.columns], "xlsx", False, "", ","
    else:
        text, headers, sep, enc, marked = _csv_head(path, mapping)
        first_row = 3 if marked else 2
    roles = _roles(headers, mapping, where)
    bad = identifying_headers(headers, set(roles.values()))
    if bad and not drop_identifying:
        raise InputFileError("error.frame_identifying", file=where, columns=", ".join(bad))
    _check_roles(roles, headers, where)
    wanted = list(dict.fromkeys(roles.values()))
    if xlsx:
        table = sheet[wanted].astype(str)
    else:
        try:
            table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                                usecols=lambda c: str(c).strip() in wanted)
        except (pd.errors.ParserError, ValueError) as exc:
            raise InputFileError("error.csv_parse", file=where, detail=str(exc).splitlines()[0]) from None
        table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise InputFileError("error.file_no_rows", file=where)
    return _Raw(table, roles, bad, enc, marked, first_row)


def _refuse_identifying_values(ids: pd.Series, where: str, column: str) -> None:
    """Person ids that are BSNs or e-mail addresses: refused (the export must be pseudonymised)."""
    filled = ids[ids != ""]
    if filled.empty:
        return
    mails = int(filled.str.contains("@", regex=False).sum())
    if mails:
        raise InputFileError("error.frame_id_email", file=where, column=column, n=mails)
    digits = filled[filled.str.fullmatch(r"\d{8,9}")].str.zfill(9)
    passing = sum(1 for v in digits if eleven_test(v))
    # a random 9-digit number passes the eleven-test about 1 time in 11; a column of BSNs always does
    if passing > 0.5 * len(filled):
        raise InputFileError("error.frame_id_bsn", file=where, column=column, n=passing, total=len(filled))


def _ages(table: pd.DataFrame, roles: dict[str, str], year: int) -> pd.Series:
    if "age" in roles:
        age = pd.to_numeric(table[roles["age"]].str.strip().str.replace(",", ".", regex=False), errors="coerce")
    else:
        born = pd.to_numeric(table[roles["birth_year"]].str.strip(), errors="coerce")
        born = born.where((born >= 1880) & (born <= year) & (born == born.round()))
        age = year - born  # age reached in the reference year
    return age.where((age >= 0) & (age <= 120)).map(np.floor)


def read_frame(path: Path, mapping_path: Path | None, year: int, drop_identifying: bool = False) -> Frame:
    """The frame in `path` (see the module), ages taken in `year` when the file gives birth years. Reasons
    set here: missing_person_id, duplicate_person_id, bad_age, under_15, bad_sex, bad_postcode; the areas
    are checked against the workspace by `assign_areas`."""
    check_file(path)
    mapping = load_frame_mapping(mapping_path) if mapping_path is not None else FrameMapping(None)
    raw = _raw_table(path, mapping, drop_identifying)
    roles = raw.roles
    col = {r: raw.table[h].astype(str).str.strip() for r, h in roles.items()}
    _refuse_identifying_values(col["person_id"], str(path), roles["person_id"])
    empty = pd.Series("", index=raw.table.index)
    lang_raw = col.get("language", empty).str.lower()
    language = lang_raw.map(LANGUAGE)
    postcode = col.get("postcode", empty).str.upper().str.replace(r"[\s.-]", "", regex=True)
    out = pd.DataFrame({
        "row_number": np.arange(len(raw.table)) + raw.first_row,
        "person_id": col["person_id"],
        "postcode": postcode,
        "area_code": col.get("area_code", empty).str.upper(),
        "age": _ages(raw.table, roles, year),
        "sex": col["sex"].str.lower().map(SEX).fillna(""),
        "language": language.fillna("nl"),
    })
    out["reason"] = _row_reasons(out)
    return Frame(out, roles, raw.dropped, raw.encoding, mapping.synthetic or raw.marked,
                 int(language.isna().sum()))


def _row_reasons(t: pd.DataFrame) -> pd.Series:
    """The first reason a row cannot be used, '' when it can (in the order of REJECT_REASONS)."""
    has_area = t["area_code"] != ""
    pc_ok = t["postcode"].str.fullmatch(PC6) | t["postcode"].str.fullmatch(PC4)
    pc_ok &= ~t["postcode"].str.slice(4, 6).isin(["SA", "SD", "SS"])  # letter pairs PostNL does not issue
    conditions = [
        t["person_id"] == "",
        t["person_id"].duplicated() & (t["person_id"] != ""),
        t["age"].isna(),
        t["age"] < MIN_AGE,
        t["sex"] == "",
        ~has_area & ~pc_ok,
    ]
    reasons = ["missing_person_id", "duplicate_person_id", "bad_age", "under_15", "bad_sex", "bad_postcode"]
    return pd.Series(np.select(conditions, reasons, default=""), index=t.index, dtype=object)


@dataclass
class Areas:
    """What the workspace knows about its areas, for `assign_areas`."""

    wijken: pd.Series  # wijk code -> name
    buurten: set[str]  # buurt codes of the workspace (may be empty: then a buurt counts by its wijk)
    postcodes: pd.DataFrame  # postcode, kind (pc6/pc4), area_code, share (may be empty)
    districts: pd.DataFrame | None  # area_code (wijk or buurt), district


def _by_postcode(t: pd.DataFrame, postcodes: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Area code per row from its postcode (PC6 first, else its PC4; the area with the largest share of the
    postcode's addresses), and the lookup level ('pc6', 'pc4', '' when not found)."""
    best = (postcodes.sort_values(["kind", "postcode", "share", "area_code"], ascending=[True, True, False, True])
            .drop_duplicates(["kind", "postcode"]))
    split = postcodes.groupby(["kind", "postcode"])["area_code"].transform("size") > 1
    multi = set(zip(postcodes.loc[split, "kind"], postcodes.loc[split, "postcode"], strict=True))
    pc6 = best[best["kind"] == "pc6"].set_index("postcode")["area_code"]
    pc4 = best[best["kind"] == "pc4"].set_index("postcode")["area_code"]
    by6 = t["postcode"].map(pc6)
    by4 = t["postcode"].str.slice(0, 4).map(pc4)
    area = by6.fillna(by4).fillna("")
    lookup = pd.Series(np.where(by6.notna(), "pc6", np.where(by4.notna(), "pc4", "")), index=t.index)
    keys = [(k, p if k == "pc6" else p[:4]) for k, p in zip(lookup, t["postcode"], strict=True)]
    lookup = lookup.where([k not in multi for k in keys], lookup + "_split")
    return area, lookup


def assign_areas(frame: pd.DataFrame, areas: Areas) -> pd.DataFrame:
    """`frame` (from `read_frame`) with `wijk` (code), `district` ('' without districts) and `lookup` (how the
    area was found: area_code, pc6, pc4, pc6_split, pc4_split); rows outside the workspace get the reason
    postcode_outside (a postcode not in its postcode table) or unknown_area (an area code not its own)."""
    t = frame.copy()
    direct = t["area_code"] != ""
    area = t["area_code"].where(direct, "")
    lookup = pd.Series(np.where(direct, "area_code", ""), index=t.index, dtype=object)
    use_pc = ~direct & (t["reason"] == "")
    if use_pc.any():
        pc_area, pc_lookup = _by_postcode(t[use_pc], areas.postcodes)
        area[use_pc] = pc_area
        lookup[use_pc] = pc_lookup
    valid = area.map(lambda c: bool(c) and is_area_code(c) and c[:2] in ("WK", "BU"))
    wijk = area.where(valid, "").map(lambda c: wijk_of(c) if c else "")
    known = wijk.isin(areas.wijken.index)
    if areas.buurten:
        known &= ~area.str.startswith("BU") | area.isin(areas.buurten)
    district = pd.Series("", index=t.index, dtype=object)
    if areas.districts is not None:
        dmap = areas.districts.set_index("area_code")["district"]
        district = area.map(dmap).fillna(wijk.map(dmap)).fillna("")
        known &= district != ""
    open_rows = t["reason"] == ""
    t.loc[open_rows & use_pc & (lookup == ""), "reason"] = "postcode_outside"
    t.loc[open_rows & (t["reason"] == "") & ~known, "reason"] = "unknown_area"
    t["wijk"] = wijk.where(known, "")
    t["district"] = district.where(known, "")
    t["lookup"] = lookup
    return t
