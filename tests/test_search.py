"""The search index: postings codec, keys, determinism, budgets per file."""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from _examples import examples, thorough
from _searchkit import in_date_order
from hypothesis import given, settings
from hypothesis import strategies as st
from search_fixture import fixture_articles

from sitegen.config import default_config
from sitegen.search import build_search_files, build_search_index, key_hash, shard_name
from sitegen.search.index import Documents
from sitegen.search.postings import decode_postings, encode_number, encode_postings
from sitegen.writer import digest

ROOT = Path(__file__).resolve().parent.parent


def _load(data: bytes):
    m = re.fullmatch(r'window\.__sitegenSearch\.load\("([^"]+)",(.*)\);\n', data.decode("utf-8"), re.S)
    assert m
    return m.group(1), json.loads(m.group(2))


def _files(cache_dir=None):
    config = default_config(ROOT).with_overrides(cache_dir=Path(cache_dir or tempfile.mkdtemp()))
    return build_search_files(fixture_articles(), config, lambda a: f"x/{a.slug}/")


def test_postings_round_trip():
    for ids in ([], [0], [31], [32], [5, 9, 100, 100000], list(range(0, 3000, 2)), list(range(7, 9000, 13))):
        assert decode_postings(encode_postings(ids)) == ids
    assert encode_number(0) == "0" and encode_number(31) == "v" and encode_number(32) == "B0"
    assert encode_postings(range(0, 600, 2)).startswith("~")  # dense lists are bitmaps
    assert encode_postings([n for n in range(600) if n % 20]).startswith("!")  # denser: complements
    assert encode_postings(range(600)) == "!" + encode_number(599)


@pytest.mark.parametrize("density", [0.05, 0.3, 0.7, 0.97, 0.999])
def test_a_patchs_numbers_are_coded_as_a_whole_index_codes_them(density):
    # A patch codes its sets of numbers with numpy from ARRAY_FROM on (numpy imported: see
    # postings._numpy_pays): the same text in each form (varints, bitmap, complement), at sizes
    # on both sides of it.
    import random

    import numpy  # noqa: F401

    from sitegen.search.postings import ARRAY_FROM, encode_numbers

    rng = random.Random(density)
    for size in (ARRAY_FROM // 2, ARRAY_FROM - 1, ARRAY_FROM, 3 * ARRAY_FROM, 20_000):
        numbers = {n for n in range(size) if rng.random() < density} | {size}
        assert encode_numbers(numbers) == encode_postings(numbers)
        assert encode_numbers(list(numbers)) == encode_postings(sorted(numbers))
        assert decode_postings(encode_postings(numbers)) == sorted(numbers)


def test_a_patch_of_a_few_long_postings_does_not_import_numpy(tmp_path):
    # Importing numpy (40-70 ms) for a handful of postings cost a body edit's patch more than it
    # saved; once its work without numpy would have paid the import, it is taken.
    import subprocess
    import sys

    code = (
        "import random, sys\n"
        "from sitegen.search import postings as p\n"
        "texts = [p.encode_postings(sorted(random.sample(range(100000), 3000))) for _ in range(5)]\n"
        "assert all(len(t) >= p.DECODE_ARRAY_FROM for t in texts)\n"
        "[p.decode_postings(t) for t in texts]; p.encode_numbers(set(range(0, 9000, 3)))\n"
        "print('numpy' in sys.modules)\n"
        "while 'numpy' not in sys.modules: p.decode_postings(texts[0])\n"
        "print(p._work_without_numpy >= p.NUMPY_IMPORT_WORK)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_long_varint_gaps_decode_with_numpy_as_the_regex_reads_them():
    # From DECODE_ARRAY_FROM characters varints decode with numpy (imported): the same numbers,
    # and a text that is not whole tokens (a stray character, a token cut short) as the regex
    # reads it.
    import itertools
    import random

    import numpy  # noqa: F401

    from sitegen.search.postings import _VARINT, _VARINT_VALUES, DECODE_ARRAY_FROM

    def regex_way(text):
        return list(itertools.accumulate(map(_VARINT_VALUES.__getitem__, _VARINT.findall(text)), initial=-1))[1:]

    rng = random.Random(5)
    for size, spread in ((DECODE_ARRAY_FROM // 2, 8), (DECODE_ARRAY_FROM, 40), (5_000, 2_000), (2_000, 10**7)):
        text = encode_postings(sorted(rng.sample(range(size * spread), size)))
        assert not text.startswith(("~", "!")) and len(text) >= DECODE_ARRAY_FROM // 2
        for variant in (text, text + "A", "A" + text, text[:500] + "~" + text[500:], text + "é"):
            assert decode_postings(variant) == regex_way(variant)


@settings(max_examples=examples(300), deadline=None)
@given(
    st.one_of(
        st.sets(st.integers(min_value=0, max_value=5000), max_size=3000),
        st.integers(1, 600).flatmap(lambda n: st.sets(st.integers(0, n - 1), min_size=n * 4 // 5, max_size=n)),
    )
)
def test_any_postings_decode_to_their_numbers(numbers):
    import numpy  # noqa: F401  (the array paths are taken once numpy is imported)

    from sitegen.search.postings import encode_numbers

    ids = sorted(numbers)
    text = encode_postings(numbers)
    assert decode_postings(text) == ids  # varints (sparse sets), bitmaps (dense), complements (denser)
    assert encode_numbers(numbers) == text  # numpy's, from ARRAY_FROM numbers on
    if ids:  # a whole index joins runs of documents, then chooses the form: the same text
        from sitegen.search.index import _final
        from sitegen.search.postings import join_pieces, runs_of

        cut = len(ids) // 2
        pieces = [runs_of({"k": part})["k"] for part in (ids[:cut], ids[cut:]) if part]
        assert _final(join_pieces(pieces)) == text


def test_gaps_out_of_order_are_refused_not_encoded_forever():
    """A negative gap (documents out of order, a bug upstream) once made the varint coder's
    shifts loop forever: the build hung instead of failing."""
    import numpy as np

    from sitegen.search.postings import _varint_text

    with pytest.raises(ValueError, match="out of order"):
        _varint_text(np.array([3, -1, 2]))
    assert _varint_text(np.array([0, 31, 32]))[0] == "0vB0"


def test_a_pinyin_entry_holds_the_words_most_documents_hold():
    """A pinyin key's entry is the PINYIN_WORDS of its words that most documents hold, most
    first, ties in word order; words the index lacks are left out, and a key of none has none."""
    from sitegen.search.pinyin import _Words

    vocab = _Words({"社区": 40, "社群": 3, "上去": 40, "收取": 1, "省去": 3}, {})
    assert vocab.entry(["收取", "省去", "社群", "社区", "上去", "书签"]) == "上去 社区 省去"
    assert vocab.entry(["收取", "书签"]) == "收取"
    assert vocab.entry(["书签"]) is None


def _pinyin(word, plain=None, table=None):
    """(full pinyin, initials, syllables) of *word*, as the index reads it."""
    from sitegen.search.pinyin import _syllables
    from sitegen.search.state import expand_reading

    return expand_reading(_syllables(word, plain, table))


def test_hash_is_stable():
    assert key_hash("社区") == key_hash("社区")
    assert shard_name("p:shequ", 16) == format(key_hash("p:shequ") % 16, "x")


def test_deterministic(tmp_path):
    first = _files()
    assert _files(tmp_path) == first
    assert (tmp_path / "search-inputs.sqlite").exists()
    assert _files(tmp_path) == first  # from the token cache


def test_keys():
    files = _files()
    meta = _load(files["search/meta.js"])[1]
    entries = {}
    for path, data in files.items():
        if path.startswith("search/s/"):
            entries.update(_load(data)[1])
    n = meta["n"]
    assert n == len(fixture_articles())
    for key in ("托养", "养机", "电网", "syb", "5g", "p:shequ", "i:sq", "d:渌口区", "t:基层治理"):
        assert key in entries, key
    assert "社区" in entries["i:sq"].split()
    assert entries["p:shequ"].split() == ["社区"]  # a pinyin key holds words, not documents
    assert meta["aliases"]["株洲县"] == "渌口区"
    assert "zhuang" in _load(files["search/syllables.js"])[1].split()  # for pinyin typed for two words
    assert [y[0] for y in meta["years"]] == sorted({a.year for a in fixture_articles()}, reverse=True)
    # oldest first: document 0 is the oldest article, the last one the newest
    assert _load(files["search/d/0.js"])[1]["d"] == min(a.date for a in fixture_articles())
    assert _load(files[f"search/d/{n - 1}.js"])[1]["d"] == max(a.date for a in fixture_articles())


def test_url_and_text_are_data():
    files = _files()
    for path, data in files.items():
        if path.startswith("search/d/"):
            doc = _load(data)[1]
            assert doc["u"].startswith("x/") and doc["u"].endswith("/")
    assert any("onerror" in _load(d)[1]["x"] for p, d in files.items() if p.startswith("search/d/"))


def _manifest(out_dir: Path) -> dict[str, str]:
    from sitegen.writer import digest

    folder = out_dir / "search"
    return (
        {p.relative_to(out_dir).as_posix(): digest(p.read_bytes()) for p in folder.rglob("*.js")}
        if folder.is_dir()
        else {}
    )


def _publish(index, out_dir: Path) -> dict[str, bytes]:
    """Do what the writer does with a SearchIndex; return every search file now in *out_dir*."""
    wanted = set(index.files) | set(index.keep)
    for path in list((out_dir / "search").rglob("*.js")) if (out_dir / "search").is_dir() else []:
        if path.relative_to(out_dir).as_posix() not in wanted:
            path.unlink()
    for rel, data in index.files.items():
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / rel).write_bytes(data)
    index.save()
    return {p.relative_to(out_dir).as_posix(): p.read_bytes() for p in (out_dir / "search").rglob("*.js")}


EDITS = {
    "body": lambda a: replace(a, body=a.body + "\n\n新增一段关于垃圾分类和智慧社区的文字。"),
    "body cut": lambda a: replace(a, body=a.body[: len(a.body) // 3]),
    "title": lambda a: replace(a, title="社区网格员走访独居老人"),
    "district": lambda a: replace(a, district="醴陵市"),
    "tags and topics": lambda a: replace(a, tags=("消防", "托养"), topics=("教育",)),
    "date corrected": lambda a: replace(a, date="2023-05-05"),  # the oldest now: kept at its number
}


def _newest(articles):
    from search_fixture import fixture_articles as again

    extra = replace(
        again()[0],
        id="z9z9z9z9z9z9",
        date="2026-02-01",
        slug="xinzeng-wenzhang",
        title="新增：荷塘区社区食堂开张",
        body="荷塘区月塘街道的社区食堂开张，老人吃上热乎饭。",
        path="new.md",
    )
    return articles + [extra]


EDITS["article added after the newest"] = None


@pytest.mark.parametrize("parallel_from", [0, 1000])  # tokenized in forked workers, or here
def test_a_whole_index_written_into_staging_is_the_index_held_for_the_writer(tmp_path, parallel_from):
    url_of = lambda a: f"x/{a.slug}/"  # noqa: E731
    held, staged = (
        build_search_index(
            fixture_articles(),
            default_config(ROOT).with_overrides(cache_dir=tmp_path / name, parallel_from=parallel_from),
            url_of=url_of,
            staging=stage,
        )
        for name, stage in (("held", None), ("staged", tmp_path / "stage"))
    )
    assert held.files and not held.staged and not staged.files
    on_disk = {str(p.relative_to(tmp_path / "stage")): p.read_bytes() for p in (tmp_path / "stage").rglob("*.js")}
    assert on_disk == held.files
    assert dict(staged.staged) == {name: digest(data) for name, data in held.files.items()}
    assert staged.version == held.version


def test_an_input_store_replaced_in_a_block_that_fails_keeps_what_it_held(tmp_path):
    from sitegen.search.state import InputStore

    articles = fixture_articles()
    docs = Documents(articles, lambda a: f"x/{a.slug}/")
    store = InputStore(tmp_path / "inputs.sqlite")
    with store.replacing() as new:
        new.put(b"a" * 16, docs[0])
    with pytest.raises(RuntimeError), store.replacing() as new:
        new.put(b"b" * 16, docs[1])
        raise RuntimeError("the tokenizer failed")
    assert store.get_many([b"a" * 16, b"b" * 16]) == {b"a" * 16: docs[0]}
    assert [p.name for p in tmp_path.iterdir()] == ["inputs.sqlite"]  # nothing left aside
    store.close()


def test_an_input_store_replaced_clears_the_file_a_killed_build_left_aside(tmp_path):
    from sitegen.search.state import InputStore

    left = tmp_path / "inputs.sqlite.4242.new"  # a build killed while it wrote the new store
    left.write_bytes(b"half a store")
    store = InputStore(tmp_path / "inputs.sqlite")
    with store.replacing() as new:
        new.put(b"a" * 16, Documents(fixture_articles(), lambda a: f"x/{a.slug}/")[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs.sqlite"]
    store.close()


def test_an_input_store_replaced_by_the_files_of_workers_holds_their_inputs_alone(tmp_path):
    """A whole index's tokenizer workers each file their documents' inputs (`InputStore.part`)
    and the search process takes the files in (`take`): the store then holds those, not the old."""
    from sitegen.search.state import InputStore

    docs = Documents(fixture_articles(), lambda a: f"x/{a.slug}/")
    store = InputStore(tmp_path / "inputs.sqlite")
    with store.replacing() as new:
        new.put(b"old" * 5 + b"!", docs[2])
    for k in range(2):
        with InputStore.part(tmp_path / f"part-{k}.sqlite") as part:
            part.put(bytes([k]) * 16, docs[k])
    with store.replacing() as new:
        for k in range(2):
            new.take(tmp_path / f"part-{k}.sqlite")
    wanted = [b"old" * 5 + b"!", bytes([0]) * 16, bytes([1]) * 16]
    assert store.get_many(wanted) == {bytes([0]) * 16: docs[0], bytes([1]) * 16: docs[1]}
    store.close()


def test_a_whole_index_whose_inputs_could_not_be_filed_keeps_the_stores_old_inputs(tmp_path, monkeypatch):
    """A tokenizer task that cannot write its store file (a full disk, say) leaves the store as
    it was: swapped for one lacking that task's inputs, the store would lose the old ones too."""
    import sqlite3

    from sitegen.search import full_search_index
    from sitegen.search.state import INPUTS_FILE, InputStore, _NewInputs

    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "cache")
    url_of = lambda a: f"x/{a.slug}/"  # noqa: E731
    full_search_index(Documents(fixture_articles(), url_of), config)
    store_file = tmp_path / "cache" / INPUTS_FILE
    before = sqlite3.connect(store_file).execute("SELECT digest, data FROM docs ORDER BY digest").fetchall()
    assert before

    real = _NewInputs.put

    def full_disk(self, digest, doc):
        if self.db is not None:
            self.db.close()  # its writes fail
        real(self, digest, doc)

    monkeypatch.setattr(_NewInputs, "put", full_disk)
    articles = fixture_articles()
    edited = [EDITS["title"](articles[0]), *articles[1:]]
    full_search_index(Documents(edited, url_of), config)
    after = sqlite3.connect(store_file).execute("SELECT digest, data FROM docs ORDER BY digest").fetchall()
    assert after == before
    InputStore(store_file).close()


@pytest.mark.parametrize("parts", [None, (2, 2), (3, 4)], ids=["whole", "parts of 2", "parts of 4"])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_incremental_equals_full(tmp_path, monkeypatch, edit, parts):
    """A patched index is the whole index of the edited articles, whole postings or in parts
    (index format 3: keys in PART_MIN documents or more; an edit moves keys across it), once
    renumbered by date as meta.js lists a redated document (`_searchkit.in_date_order`)."""
    import sitegen.search.index as search_index

    if parts is not None:
        monkeypatch.setattr(search_index, "PART_MIN", parts[0])
        monkeypatch.setattr(search_index, "PART_SPAN", parts[1])
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "cache")
    out = tmp_path / "public"
    url_of = lambda a: f"x/{a.slug}/"  # noqa: E731
    articles = fixture_articles()
    first = build_search_index(articles, config, url_of=url_of, out_dir=out, published=_manifest(out))
    assert not first.incremental
    before = _publish(first, out)
    assert any(p.startswith("search/p/") for p in before) == (parts is not None)
    if EDITS[edit] is None:
        articles = _newest(articles)
    else:
        articles[2] = EDITS[edit](articles[2])
    second = build_search_index(articles, config, url_of=url_of, out_dir=out, published=_manifest(out))
    assert second.incremental and second.keep
    assert second.version != first.version
    on_disk = _publish(second, out)
    other = default_config(ROOT).with_overrides(cache_dir=tmp_path / "other")
    fresh = build_search_index(articles, other, url_of=url_of, out_dir=tmp_path / "public2", published={})
    assert not fresh.incremental
    assert in_date_order(on_disk) == _publish(fresh, tmp_path / "public2")
    if edit == "date corrected":  # its document's file and meta.js, which lists it as moved
        assert b'"moved":' in on_disk["search/meta.js"]
        assert len(second.files) == 2 and min(second.files).startswith("search/d/") and "search/meta.js" in second.files
    # and the words the state keeps, each with its count of documents, which the next patch reads
    assert _word_rows(tmp_path / "cache") == _word_rows(tmp_path / "other")


def _word_rows(cache_dir: Path) -> tuple[list, list]:
    import sqlite3

    db = sqlite3.connect(cache_dir / "search-state.sqlite")
    try:
        return (
            db.execute("SELECT * FROM words ORDER BY word").fetchall(),
            db.execute("SELECT * FROM prefixes ORDER BY key, word").fetchall(),
        )
    finally:
        db.close()


def test_incremental_refuses_a_changed_output(tmp_path):
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "cache")
    out = tmp_path / "public"
    articles = fixture_articles()
    _publish(
        build_search_index(articles, config, url_of=lambda a: f"x/{a.slug}/", out_dir=out, published=_manifest(out)),
        out,
    )
    shard = sorted((out / "search" / "s").glob("*.js"))[0]
    manifest = _manifest(out)
    shard.write_bytes(shard.read_bytes() + b"\n")  # changed behind the writer's back
    articles[0] = EDITS["body"](articles[0])
    again = build_search_index(articles, config, url_of=lambda a: f"x/{a.slug}/", out_dir=out, published=manifest)
    assert not again.incremental  # public/ is not what the state describes: index everything
    assert _publish(again, out) == build_search_files(
        articles, default_config(ROOT).with_overrides(cache_dir=tmp_path / "other"), lambda a: f"x/{a.slug}/"
    )


def test_token_set_is_the_set_of_tokens():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sitegen.text import search_token_set, search_tokens

    shared = json.loads((ROOT / "tests" / "search_tokens.json").read_text(encoding="utf-8"))
    for text in shared if isinstance(shared, list) else shared.values():
        text = text if isinstance(text, str) else text.get("text", "")
        assert search_token_set(text) == set(search_tokens(text))

    @settings(max_examples=examples(300), deadline=None)
    @given(st.text(alphabet=st.sampled_from("社区托养機構電網ＳＹＢ5g a,。")))
    def check(text):
        assert search_token_set(text) == set(search_tokens(text))

    check()


def _postings_one_by_one(docs: list[tuple], first: int) -> tuple[dict, ...]:
    """The reference: every document's doc_tokens, appended key by key; and how many documents
    hold each pinyin word."""
    from collections import Counter, defaultdict

    from sitegen.search import doc_tokens
    from sitegen.search.postings import runs_of

    tables = tuple(defaultdict(list) for _ in range(2))
    words: Counter[str] = Counter()
    for n, doc in enumerate(docs, first):
        tok = doc_tokens(doc)
        for table, keys in zip(tables, (tok.body_keys, tok.title_keys)):
            for key in keys:
                table[key].append(n)
        words.update(tok.words)
    return (*(runs_of(t) for t in tables), dict(words))


def _bulk_tables(docs: list, first: int) -> tuple[dict, ...]:
    """bulk_runs of *docs*, as {key: (gaps, first, last, count)} tables, and the word counts."""
    import sitegen.search.postings
    from sitegen.search.tokens import PINYIN_MAX_CHARS
    from sitegen.text import segmenter

    body, title, words = sitegen.search.postings.bulk_runs(docs, first, PINYIN_MAX_CHARS, segmenter())
    return body.table(), title.table(), words


def test_shards_joined_a_span_at_a_time_are_the_shards_joined_at_once():
    """A shard-writing worker may take a second span of the same runs: each span gives its
    shards whole, every time it is asked for, and the spans together give every shard."""
    from functools import partial

    from sitegen.search.index import Documents, shard_numbers
    from sitegen.search.postings import bulk_runs, shard_items
    from sitegen.search.tokens import PINYIN_MAX_CHARS
    from sitegen.text import segmenter

    docs = list(Documents(fixture_articles(), lambda a: f"x/{a.slug}/"))
    shards = 8

    def kinds():
        runs = [bulk_runs(docs[lo:hi], lo, PINYIN_MAX_CHARS, segmenter()) for lo, hi in ((0, 3), (3, len(docs)))]
        of = partial(shard_numbers, shards=shards)
        return [[r[0].by_shard(of) for r in runs], [r[1].by_shard(of) for r in runs]]

    whole = dict(shard_items(kinds()))
    assert len(whole) > 3
    runs = kinds()
    spans = [(0, 3), (3, 5), (5, 8)]
    for _ in range(2):
        assert {s: g for span in spans for s, g in shard_items(runs, span)} == whole


def test_runs_keep_their_keys_through_pickling():
    """A run's keys travel as one string, unless a key holds the separator."""
    import pickle

    from sitegen.search.postings import Runs, runs_of

    for keys in (["社区", "t:民生", "5g", "区"], ["t:a\nb", "社区"], ["社区"], []):
        table = runs_of({key: [n, n + 3] for n, key in enumerate(keys)})
        runs = Runs.of(table)
        back = pickle.loads(pickle.dumps(runs))
        assert back.table() == table == runs.table()
        assert [key for key, _ in back.items(block=2)] == keys
        assert back.keys(1, 3) == keys[1:3]


def _real_documents() -> list[tuple]:
    """The index inputs of the articles imported from the sample dumps (content/)."""
    from sitegen.content import load_content
    from sitegen.search.tokens import _doc_input

    articles = [*load_content(ROOT / "content").articles, *fixture_articles()]
    return [_doc_input(a, f"x/{a.slug}/") for a in articles]


def test_bulk_postings_give_each_document_its_own_tokens(monkeypatch):
    """The numpy path over batches of documents finds, for every document, exactly the keys
    and pinyin words that doc_tokens finds in it alone: real articles, and odd text."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    import sitegen.search.postings
    from sitegen.search import DocInput

    docs = _real_documents()
    assert len(docs) > 40
    monkeypatch.setattr(sitegen.search.postings, "CHUNK", 7)  # several batches, one cut short
    monkeypatch.setattr(sitegen.search.postings, "PIECE", 500)  # and several pieces of encoding
    assert _bulk_tables(docs, 3) == _postings_one_by_one(docs, 3)

    text = st.text(alphabet=st.sampled_from("社区托养機構電網干部机关ＳＹＢ5g a,。\n㐀\uf900𠀀"), max_size=40)
    doc = st.tuples(
        text,
        text,
        text,
        st.sampled_from(["", "天元区", "攸縣"]),
        st.lists(st.sampled_from(["民生", "基層治理"]), max_size=2, unique=True).map(tuple),
    )

    @settings(max_examples=examples(200), deadline=None)
    @given(st.lists(doc, min_size=1, max_size=9), st.integers(0, 2**20))
    def check(parts, first):
        docs = [DocInput("id", "2025-01-01", h, b, e, d, t, "u/", "", "", "") for h, b, e, d, t in parts]
        assert _bulk_tables(docs, first) == _postings_one_by_one(docs, first)

    check()


def _whole_index(articles, config, staging=None, tokenize_here=False):
    """A whole index's files (read back from *staging* when written there) and its saved state,
    as SQL text."""
    import sqlite3

    from sitegen.search import full_search_index

    docs = Documents(articles, lambda a: f"x/{a.slug}/")
    index = full_search_index(docs, config, staging=staging, tokenize_here=tokenize_here)
    files = dict(index.files)
    if staging is not None:
        assert not files
        files = {name: (staging / name).read_bytes() for name, _ in index.staged}
        assert {name: digest(data) for name, data in files.items()} == dict(index.staged)
    db = sqlite3.connect(str(index._change.whole))
    state = [line for line in db.iterdump()]
    db.close()
    return files, state


def test_parallel_index_equals_serial(tmp_path, monkeypatch):
    """Tokenized, keyed and written in forked workers, the index and its saved state are the
    ones a build that does it all in its own process makes."""
    articles = fixture_articles()
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "serial", parallel_from=10**9)
    serial = _whole_index(articles, config)
    assert any(line.startswith('INSERT INTO "words"') for line in serial[1])
    # three runs of the documents, joined; three slices of the words, three spans of shards
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "parallel", parallel_from=2, workers=3)
    assert _whole_index(articles, config) == serial
    # the shards written into the staging folder by the workers
    (tmp_path / "staging").mkdir()
    assert _whole_index(articles, config, staging=tmp_path / "staging") == serial
    # runs of two documents, more of them than workers, joined shard by shard; the words
    # read three at a time
    import sitegen.search.index

    monkeypatch.setattr(sitegen.search.index, "TOKENIZE_STEP", 2)
    monkeypatch.setattr(sitegen.search.index, "WORD_BLOCK", 3)
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "runs", parallel_from=2, workers=2)
    assert _whole_index(articles, config) == serial
    # the runs tokenized one after the other in this process (beside a whole render), the
    # rest in workers
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "here", parallel_from=2, workers=2)
    assert _whole_index(articles, config, tokenize_here=True) == serial


def test_a_whole_index_leaves_no_word_files_and_clears_a_killed_builds(tmp_path):
    """The word tasks' files go with the index that made them; a folder left by a build killed
    meanwhile goes with the next whole index."""
    from sitegen.search.state import WORDS_FOLDER

    cache = tmp_path / "cache"
    left = cache / f"{WORDS_FOLDER}killed"
    left.mkdir(parents=True)
    (left / "keys-0-0.pickle").write_bytes(b"x")
    config = default_config(ROOT).with_overrides(cache_dir=cache, parallel_from=2, workers=2)
    _whole_index(fixture_articles(), config)
    assert not list(cache.glob(f"{WORDS_FOLDER}*"))


def test_shard_numbers_are_each_keys_hash():
    from sitegen.search.index import shard_numbers

    keys = ["", "a", "p:shequ", "社区", "𠀀x", "i:sq", "社区服务中心", "x" * 40, "社"]
    for shards in (1, 16, 65536):
        assert shard_numbers(keys, shards).tolist() == [key_hash(k) % shards for k in keys]
    assert shard_numbers([], 16).tolist() == []


def test_plain_readings_read_words_as_pypinyin_does():
    """A word of characters with one reading everywhere reads as pypinyin reads it, so an
    incremental build can skip loading pypinyin; other words still go to pypinyin."""
    import random

    from sitegen.search.pinyin import _plain_readings
    from sitegen.text import words

    plain = _plain_readings()
    assert "社" in plain and "网" in plain and "行" not in plain and "区" not in plain  # 区: qu, ou
    text = " ".join(a.title + a.body for a in fixture_articles())
    han = [w for w in set(words(text)) if re.fullmatch(r"[\u4e00-\u9fff]{2,6}", w)]
    rng = random.Random(7)
    chars = sorted(c for c in plain if "\u4e00" <= c <= "\u9fff")
    han += ["".join(rng.choice(chars) for _ in range(rng.randint(2, 5))) for _ in range(3000)]
    covered = [w for w in han if all(c in plain for c in w)]
    assert len(covered) > 1000
    for word in han:
        assert _pinyin(word, plain) == _pinyin(word), word
    assert _pinyin("银行", plain) == ("yinhang", "yh", "yin'hang")  # 行 is asked of pypinyin


def _plain_text_line_by_line(markdown: str) -> str:
    """The definition plain_text keeps: each line stripped of its markup on its own."""
    image, link = re.compile(r"!\[([^\]]*)\]\([^)]*\)"), re.compile(r"\[([^\]]*)\]\([^)]*\)")
    lead = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+\.\s+)")
    emph = re.compile(r"(\*\*|__|\*|`)")
    lines = []
    for line in markdown.splitlines():
        line = emph.sub("", lead.sub("", link.sub(r"\1", image.sub(r"\1", line)))).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


_MARKDOWN = st.text(
    st.sampled_from(list("#>-*+_`![]()1.a 石，\t\n\r") + ["\u3000", "\xa0", "\x85", "\u2028", "\x0b"]), max_size=60
)


@settings(max_examples=examples(3000), deadline=None)
@given(_MARKDOWN)
def test_plain_text_strips_each_line_on_its_own(markdown):
    from sitegen.search import plain_text

    assert plain_text(markdown) == _plain_text_line_by_line(markdown)


def test_plain_text_of_the_sample_articles():
    from sitegen.frontmatter import split_front_matter
    from sitegen.search import plain_text

    files = sorted((ROOT / "content").glob("*.md"))
    assert files
    for path in files:
        _, body, _ = split_front_matter(path.read_text(encoding="utf-8"), path)
        assert plain_text(body) == _plain_text_line_by_line(body), path.name


@pytest.fixture(scope="module")
def pinyin_table(tmp_path_factory):
    from sitegen.search import PinyinTable

    path = tmp_path_factory.mktemp("pinyin") / "pinyin.sqlite"
    PinyinTable.write(path)
    table = PinyinTable(path)
    assert table.db is not None
    yield table
    table.close()


def test_the_pinyin_table_reads_jieba_words_as_pypinyin_does(pinyin_table):
    # Every 25th word of jieba's dictionary that can get pinyin keys (about 13,000; all 335,000
    # agreed when the table was written), read by the table and by pypinyin; every 100th
    # outside CI (tests/_examples.py).
    import jieba

    from sitegen.text import SEARCH_HAN_RUN

    lines = (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8").splitlines()
    candidates = [line.split(" ", 1)[0] for line in lines]
    step = 25 if thorough() else 100
    sample = [w for w in candidates if SEARCH_HAN_RUN.fullmatch(w) and 2 <= len(w) <= 6][::step]
    assert len(sample) > 250_000 // step
    differing = [w for w in sample if _pinyin(w, None, pinyin_table) != _pinyin(w)]
    assert not differing, differing[:10]


def test_a_new_process_reads_the_one_reading_characters_from_the_table(pinyin_table, monkeypatch):
    """What a patch and a full build use when this process has not made them yet: the table's,
    kept for the process with the stamp of the pypinyin that wrote the table."""
    import sitegen.search.pinyin as pinyin

    pinyin._plain_readings.cache_clear()  # a process that never made them
    monkeypatch.setattr(pinyin, "_PLAIN_FROM_TABLE", None)
    read = pinyin.plain_readings(pinyin_table)
    assert not pinyin._plain_readings.cache_info().currsize  # read from the table, not made
    assert pinyin.plain_readings(pinyin_table) is read  # kept
    monkeypatch.setattr(pinyin, "_PLAIN_FROM_TABLE", ("another pypinyin", {"社": "WRONG"}))
    assert pinyin.plain_readings(pinyin_table) == read  # a table of another stamp is read anew
    assert read == pinyin._plain_readings()


def _no_pinyin_char() -> str:
    from pypinyin.constants import PINYIN_DICT

    return next(chr(c) for c in range(0x3400, 0x4DC0) if c not in PINYIN_DICT)


@settings(max_examples=examples(400), deadline=None)
@given(
    st.text(
        st.sampled_from(list("长行重乐调还的了和得地着都为传差便朝银沙奏谱笛音师换一不") + ["\u3400"]),
        min_size=1,
        max_size=8,
    )
)
def test_the_pinyin_table_reads_any_han_text_as_pypinyin_does(pinyin_table, word):

    word = word.replace("\u3400", _no_pinyin_char())
    assert _pinyin(word, None, pinyin_table) == _pinyin(word)


def _lazy(word: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return [s.lower().replace("ü", "v") for s in lazy_pinyin(word, style=Style.NORMAL)]


def test_reading_by_pieces_is_pypinyins_reading_of_the_whole_word():
    # pypinyin_reading asks pypinyin once per dictionary piece instead of once per word: every
    # 25th word of jieba's dictionary (all 298,000 words of the shared realistic 10,000-article
    # corpus agreed when it was written), and glued pairs of them, read the same both ways;
    # every 100th outside CI (tests/_examples.py), as the table's test below.
    import jieba

    from sitegen.search import pypinyin_reading
    from sitegen.text import SEARCH_HAN_RUN

    step = 25 if thorough() else 100
    lines = (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8").splitlines()
    sample = [w for w in (line.split(" ", 1)[0] for line in lines) if SEARCH_HAN_RUN.fullmatch(w)][::step]
    sample += [a + b for a, b in zip(sample[::7], sample[3::7]) if len(a + b) <= 6]
    differing = [w for w in sample if pypinyin_reading(w) != _lazy(w)]
    assert len(sample) > 300_000 // step and not differing, differing[:10]


@settings(max_examples=examples(300), deadline=None)
@given(
    st.text(st.sampled_from(list("长行重乐调还的了和得地着都为传差便朝银沙奏谱笛音师换一不")), min_size=1, max_size=8)
)
def test_reading_by_pieces_of_polyphonic_text(word):
    from sitegen.search import pypinyin_reading

    assert pypinyin_reading(word) == _lazy(word)


def _entries(files: dict[str, bytes]) -> dict[str, str]:
    entries: dict[str, str] = {}
    for path, data in files.items():
        if path.startswith("search/s/") and data:
            entries.update(_load(data)[1])
    return entries


def test_pinyin_typed_for_the_start_of_a_word_finds_it(tmp_path):
    # wutong finds 梧桐树 (wu'tong'shu), as 梧桐 finds it among Han text; one syllable (wu) is no key
    # of it, and a patch that brings a new long word gives the prefix keys a clean build gives.
    from search_fixture import fixture_articles as again

    url_of = lambda a: f"x/{a.slug}/"  # noqa: E731
    tree = replace(again()[0], id="w1w1w1w1w1w1", date="2026-03-01", slug="wutongshu", title="古梧桐树挂牌保护",
                   body="荷塘区的一棵古梧桐树挂上了保护牌。", path="wutong.md")  # fmt: skip
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "a")
    entries = _entries(build_search_files(fixture_articles() + [tree], config, url_of))
    n = len(fixture_articles())  # the newest: the last document
    assert "梧桐树" in entries["p:wutong"].split()
    assert "梧桐树" not in entries.get("p:wu", "").split()
    assert n in decode_postings(entries["梧桐"].split("|")[0])  # where the browser finds the word
    # the patch: the fixture first, then the article with the new word
    out = tmp_path / "public"
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "b")
    first = build_search_index(fixture_articles(), config, url_of=url_of, out_dir=out, published=_manifest(out))
    _publish(first, out)
    articles = fixture_articles() + [tree]
    second = build_search_index(articles, config, url_of=url_of, out_dir=out, published=_manifest(out))
    assert second.incremental
    on_disk = _publish(second, out)
    fresh = build_search_files(articles, default_config(ROOT).with_overrides(cache_dir=tmp_path / "c"), url_of)
    assert on_disk == fresh
