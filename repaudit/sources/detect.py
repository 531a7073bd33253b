"""Which SOURCE a file looks like, from its column names (geometry files by their format), so that a file
given as the wrong kind, or an unknown SOURCE, gets an error naming the SOURCE to use instead."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError, MissingColumnError, OtherSourceError, RepauditError
from .geometry import looks_like_geometry_file
from .reader import normalise, read_header

URN = r"^urn$"
# Columns only a GIAS establishments file has (SPC and SEN files say 'estab' and carry no status): with one of
# them and a URN a file is GIAS even without its EstablishmentName column.
GIAS_ONLY = r"^establishmentnumber$|^establishmentstatus(name|code)?$"
LSOA = r"^(f?lsoa(11|21)?(cd|code)|lsoa|lsoacode(2011|2021)|lowerlayersuperoutputareas?code|geographycode)$"


@dataclass(frozen=True)
class Signature:
    """Columns telling a SOURCE apart: each pattern in `needs` matches some column (compared after
    normalise()), no column matches a pattern in `excludes`."""

    source: str
    needs: tuple[str, ...]
    excludes: tuple[str, ...] = ()

    def matches(self, keys: list[str]) -> bool:
        found = all(any(re.search(p, k) for k in keys) for p in self.needs)
        return found and not any(re.search(p, k) for p in self.excludes for k in keys)


# Most specific first: a file matching an earlier signature is reported as that kind.
SIGNATURES = [
    Signature("gias-links", (URN, r"^linkurn$")),
    Signature("gias-groups", (URN, r"^groupuid$")),
    Signature("cin", (r"^at31(episodes|children)$",)),
    Signature("cin", (r"^populationestimate$", r"^agegroup$")),
    Signature("spc", (URN, r"knowntobeeligiblefor(andclaiming)?freeschoolmeals$|^fsmeligible$")),
    Signature("census", (URN, r"^nor$", r"^tsenelk$", r"^(numfsm|pnumfsm)$")),
    Signature("sen", (URN, r"^(tsenelk|sensupport)$")),
    Signature("flows", (URN, LSOA, r"^(pupils|pupilcount|headcount|count|numberofpupils)$"),
              excludes=(r"^establishmentname$", GIAS_ONLY)),
    Signature("cin-schools", (URN, r"^(cincount|cin|childreninneed|numbercin|cinpupils)$"), excludes=(LSOA,)),
    Signature("gias", (URN, r"^establishmentname$"), excludes=(r"^groupuid$", r"^linkurn$")),
    Signature("gias", (URN, GIAS_ONLY), excludes=(r"^groupuid$", r"^linkurn$")),
    Signature("lsoa-lookup", (r"lsoa11cd$", r"^(lsoa21cd|lad\d\dcd)$"), excludes=(r"idaci|imd|deprivation",)),
    Signature("iod", (LSOA, r"idaci|indexofmultipledeprivation|^imd|incomedeprivation|incomedomain")),
    Signature("lsoa-centroids", (LSOA, r"^(x|easting|bnge|long|longitude|lon)$", r"^(y|northing|bngn|lat|latitude)$"),
              excludes=(URN,)),
    Signature("population", (LSOA, r"^age|^observation$|^usualresidents$|^aged")),
]
GEOMETRY_SOURCES = ["lsoa-boundaries", "catchments", "lsoa-centroids"]
# SOURCEs recognised by columns other than the one they may lack (GIAS without EstablishmentName): their
# missing-column error says the file is otherwise of that kind instead of "not a 'gias' file".
NAMED_WHEN_INCOMPLETE = {"gias"}
CHECKED_BEFORE_READING = {"gias", "gias-groups", "gias-links", "spc", "sen", "census", "cin", "cin-schools", "flows"}


def sources_for_columns(columns: list[str]) -> list[str]:
    """The SOURCEs whose signature these column names match, most specific first, each once."""
    keys = [normalise(c) for c in columns]
    found = []
    for signature in SIGNATURES:
        if signature.source not in found and signature.matches(keys):
            found.append(signature.source)
    return found


def sources_for_file(path: str | Path) -> list[str]:
    """The SOURCEs a file looks like: geometry sources for map files, else by its header row ([] if unsure)."""
    if looks_like_geometry_file(path):
        return list(GEOMETRY_SOURCES)
    return sources_for_columns(read_header(path))


def suggestion(path: str | Path, kinds: list[str]) -> str:
    """'this looks like a 'spc' file; try `repaudit load spc PATH`' (or the choice for a geometry file)."""
    name = Path(path).name
    if kinds == GEOMETRY_SOURCES:
        return (f"this is a geometry file (GeoJSON, GeoPackage or Shapefile); try `repaudit load lsoa-boundaries "
                f"{name}` for LSOA polygons or `repaudit load catchments {name}` for catchment polygons")
    return f"this looks like a '{kinds[0]}' file; try `repaudit load {kinds[0]} {name}`"


def check_known(source: str, path: str | Path, known: list[str]):
    """Raise for an unknown SOURCE: the SOURCEs there are, the closest name, and what PATH looks like."""
    if source in known:
        return
    close = difflib.get_close_matches(source, known, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    kinds = sources_for_file(path)
    if kinds:
        hint += f" For {Path(path).name}: {suggestion(path, kinds)}."
    raise RepauditError(f"unknown SOURCE '{source}'. Choose one of: {', '.join(sorted(known))}.{hint}")


def check_kind(source: str, path: str | Path):
    """Before reading: raise when PATH is clearly another SOURCE's file. Only for the SOURCEs whose loaders
    would otherwise accept a look-alike (e.g. GIAS group links also hold URN and EstablishmentName)."""
    if source not in CHECKED_BEFORE_READING:
        return
    kinds = sources_for_file(path)
    if kinds and source not in kinds:
        raise _other_source(source, path, kinds, f"is not a '{source}' file")


def explain_missing_columns(error: MissingColumnError, source: str, path: str | Path) -> MissingColumnError:
    """ERROR with '... this looks like a 'cin' file; try ...' added when PATH matches another SOURCE, or, when
    PATH otherwise looks like a SOURCE file, a message saying just which column it lacks."""
    kinds = sources_for_file(path)
    if kinds == GEOMETRY_SOURCES:
        return error
    if source in kinds and source in NAMED_WHEN_INCOMPLETE and error.missing:
        return _missing_from_own_kind(error, source, path)
    kinds = [k for k in kinds if k != source]
    if not kinds:
        return error
    message = str(error).split(": ", 1)[1] if str(error).startswith(str(error.path)) else str(error)
    return _other_source(source, path, kinds, message, found=error.found)


def _missing_from_own_kind(error: MissingColumnError, source: str, path) -> MissingColumnError:
    missing = ", ".join(error.missing)
    shown = ", ".join(error.found[:40]) + (" ..." if len(error.found) > 40 else "")
    plural = "s" if len(error.missing) > 1 else ""
    text = (f"column{plural} {missing} missing; otherwise this is a '{source}' file (its other columns are "
            f"those of one): add {missing} or download the file again with all its columns. Columns found: {shown}")
    found = MissingColumnError.__new__(MissingColumnError)
    InputFileError.__init__(found, path, text)
    found.missing, found.found = list(error.missing), list(error.found)
    return found


def _other_source(source, path, kinds, message, found=None) -> OtherSourceError:
    if found is None:
        found = [] if kinds == GEOMETRY_SOURCES else read_header(path)
    advice = suggestion(path, kinds)
    if "Columns found" in message:
        text = f"{message.rstrip('. ')}. {advice[0].upper()}{advice[1:]}"
    else:
        text = f"{message}: {advice}"
    if found and "Columns found" not in message:
        text += ". Columns found: " + ", ".join(found[:40]) + (" ..." if len(found) > 40 else "")
    return OtherSourceError(path, text, found)
