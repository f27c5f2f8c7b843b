#!/usr/bin/env python3
"""A benchmark corpus whose vocabulary grows like real news text, in the docs/CONTRACT.md format.

    python scripts/gen_corpus.py N OUTDIR [--seed S]       write N articles to OUTDIR/YYYY/<slug>.md
    python scripts/gen_corpus.py OUTDIR --edit K           append a sentence to the K-th article
    python scripts/gen_corpus.py OUTDIR --edit K --new-words   ... a sentence of words the corpus lacks
    python scripts/gen_corpus.py OUTDIR --edit K --field title|date|district|tags|topics|reporters   correct its title, date or district, add a tag, a topic or a reporter
    python scripts/gen_corpus.py OUTDIR --stats [--no-words]   print the corpus's statistics

Why: sentences recombined from the sample dumps alone share one small vocabulary (about 52,000
distinct Han bigrams at 10,000 articles), so every index, cache and search shard stays small and
a build that is fast on them can be slow on real text.  Here, as in the team's
../shared/bench/gen_corpus.py (this is its approach, kept in the repository so that a clone can
run the benchmark), the text is the sample dumps' real sentences (raw/*.txt), read on in order
as a story would be with 15% strays, and their noun slots are refilled: each article keeps a few
"entities" (dictionary nouns it repeats, as a story repeats its names) and draws other nouns from
jieba's dictionary by frequency, so the vocabulary keeps growing with the archive.

Front-matter follows the contract and the build's rules: districts are the gazetteer's canonical
names (sitegen/data/gazetteer.json), places that district's gazetteer places, topics only the
names of sitegen/data/taxonomy.yaml, dates over five years (2021-2025).  Person names are made
up.

Probes for search: 梧桐 is held out of the sentence pool, so its words arrive only through the
dictionary draw and stay rare; 梧桐树 (a rare dictionary noun, reading wutongshu) is also placed
in one article in every PROBE_EVERY, so that `wutong` has a word to find at every size.  The
words of NEW_WORDS are held out of both the sentences and the draw: `--edit K --new-words`
brings them in (with a number never seen before), an edit whose words the index lacks.

The output depends only on N, --seed, the dumps, the gazetteer, the taxonomy and the installed
jieba and pypinyin (article i is drawn from random.Random(f"{seed}:{i}")).  Needs jieba,
pypinyin and PyYAML (sitegen's own dependencies); not sitegen itself.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import os
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DUMPS = ROOT / "raw"
GAZETTEER = ROOT / "sitegen" / "data" / "gazetteer.json"
TAXONOMY = ROOT / "sitegen" / "data" / "taxonomy.yaml"

SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁"
    "魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "昕吾嘉逸峰晨敬凌鹏智勇琛春茂婷荣佳彬明华伟芳娟敏静丽强磊军洋勇艳杰涛超秀霞平刚桂英波辉玲红林燕飞斌宇浩凯健俊帆帅旭鑫"
NOUN_FLAGS = {"n", "nz", "ns", "nt"}  # person names (nr) are left alone
HOLDOUT = ("梧桐",)  # only through the dictionary draw (and the probe)
PROBE, PROBE_EVERY, PROBE_AT = "梧桐树", 2000, 1234
NEW_WORDS = ("乐谱", "长笛", "调音师", "重奏", "单簧管")  # never in the corpus: for --edit --new-words
START = dt.date(2021, 1, 1)
DAYS = (dt.date(2025, 12, 31) - START).days
CJK = re.compile(r"^[\u4e00-\u9fff]+$")
SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]+[”\"’]?")


def load_dumps() -> list[tuple[str, int, str, list[tuple[str, str]]]]:
    """-> [(dump name, line number, sentence, [(word, part-of-speech flag)])] of raw/*.txt."""
    import jieba.posseg

    out = []
    for path in sorted(DUMPS.glob("*.txt")):
        with open(path, encoding="utf-8") as f:
            for no, line in enumerate(f, 1):
                line = line.strip().lstrip("#").strip()
                for s in SENTENCE.findall(line):
                    s = s.strip()
                    if (
                        not 10 <= len(s) <= 160
                        or any(w in s for w in HOLDOUT + NEW_WORDS)
                        or re.search(r"记者|通讯员|摄", s)
                    ):
                        continue
                    out.append((path.name, no, s, [tuple(p) for p in jieba.posseg.lcut(s)]))
    if not out:
        raise SystemExit(f"no sentences in {DUMPS}/*.txt")
    return out


def load_nouns() -> tuple[list[str], list[int]]:
    """Dictionary nouns (2-4 Han characters) with cumulative frequencies for weighted draws."""
    import jieba

    words, cum, total = [], [], 0
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            w, freq, flag = line.split()
            if flag in NOUN_FLAGS and 2 <= len(w) <= 4 and CJK.match(w) and not any(x in w for x in NEW_WORDS):
                total += int(freq)
                words.append(w)
                cum.append(total)
    return words, cum


def names(n: int, offset: int) -> list[str]:
    return [
        SURNAMES[i] + GIVEN[i * 7 % len(GIVEN)] + GIVEN[(i * 13 + 5) % len(GIVEN)] for i in range(offset, offset + n)
    ]


class Pools:
    """Everything drawn from, built without randomness."""

    def __init__(self) -> None:
        import jieba
        import jieba.analyse
        import yaml

        jieba.setLogLevel(60)
        self.sents = load_dumps()
        self.nouns, self.cum = load_nouns()
        text = "\n".join(s for _, _, s, _ in self.sents)
        tags = jieba.analyse.extract_tags(text, topK=600, allowPOS=("n", "nz", "ns", "nt", "vn", "v"))
        self.tags = [t for t in tags if CJK.match(t) and len(t) >= 2][:300]
        self.tagset = set(self.tags)
        gaz = json.loads(GAZETTEER.read_text(encoding="utf-8"))
        self.districts = [d["name"] for d in gaz["districts"]]
        self.places = {d["name"]: [p["name"] for p in d.get("places", ())] for d in gaz["districts"]}
        self.topics = [t["name"] for t in yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))]
        self.reporters, self.others = names(40, 0), names(40, 40)

    def noun(self, rng: random.Random) -> str:
        return self.nouns[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def fill(toks, rng: random.Random, P: Pools, entities: list[str], force: list[str]) -> str:
    """A sentence's text with some noun slots refilled (the first ones with *force*'s words)."""
    out = []
    for w, f in toks:
        if f in NOUN_FLAGS and len(w) >= 2:
            r = rng.random()
            if force:
                w = force.pop()
            elif r < 0.10:
                w = rng.choice(entities)
            elif r < 0.16:
                w = P.noun(rng)
        out.append(w)
    return "".join(out)


def headline(rng: random.Random, sents: list[str], lo: int, hi: int) -> str:
    clauses = [c.strip('“”"‘’()（）《》… ') for s in sents for c in re.split(r"[,，、;；:：。！？!?]", s)]
    clauses = [c for c in clauses if 4 <= len(c) <= 16 and c.count("“") == c.count("”")] or ["株洲新闻一则"]
    t = rng.choice(clauses)
    for _ in range(20):
        if len(t) >= lo:
            break
        t += " " + rng.choice(clauses)
    return t[:hi].strip()


def slugify(title: str, used: set) -> str:
    from pypinyin import lazy_pinyin

    syl = [re.sub(r"[^a-z0-9]+", "", p.lower()) for p in lazy_pinyin(title)]
    base = "-".join([p for p in syl if p][:8]) or "article"
    slug, k = base, 1
    while slug in used:
        k += 1
        slug = f"{base}-{k}"
    used.add(slug)
    return slug


def q(s: str) -> str:
    """YAML scalar: plain when safe, else a JSON-style double-quoted string."""
    if (
        re.fullmatch(r"[\w\u4e00-\u9fff][\w\u4e00-\u9fff ·\-—/.（）()]*", s)
        and not s.endswith(" ")
        and not re.fullmatch(r"[\d.]+|true|false|null|yes|no|on|off|~", s, re.I)
    ):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flow(xs) -> str:
    return "[" + ", ".join(q(x) for x in xs) + "]"


def article(i: int, seed: str, rng: random.Random, P: Pools, used: set) -> tuple[dt.date, str, str]:
    entities = [P.noun(rng) for _ in range(rng.randint(4, 10))]
    force = [PROBE] if i % PROBE_EVERY == PROBE_AT % PROBE_EVERY else []
    target, npar = rng.randint(800, 2500), rng.randint(4, 10)
    picked, paras, total = [], [], 0
    at = rng.randrange(len(P.sents))  # read on from here, like a story in the dump; 15% strays
    for _ in range(npar):
        para = ""
        while not para or (len(para) < target / npar and total + len(para) < target):
            at = (at + 1) % len(P.sents) if rng.random() < 0.85 else rng.randrange(len(P.sents))
            picked.append(P.sents[at])
            para += fill(P.sents[at][3], rng, P, entities, force)
        paras.append(para)
        total += len(para)
    texts = [s for p in paras for s in SENTENCE.findall(p)] or paras
    body = []
    heads = rng.randint(1, 2) if len(paras) >= 6 and rng.random() < 0.5 else 0
    head_at = set(rng.sample(range(2, len(paras)), heads)) if heads else set()
    for k, p in enumerate(paras):
        if k in head_at:
            body.append("## " + headline(rng, texts, 6, 14).replace(" ", ""))
        body.append(p)
    title = headline(rng, texts, 8, 30)
    slug = slugify(title, used)
    date = START + dt.timedelta(days=rng.randint(0, DAYS))
    district = rng.choice(P.districts)
    counts: dict[str, int] = {}
    for _, _, _, toks in picked:
        for w, _ in toks:
            if w in P.tagset:
                counts[w] = counts.get(w, 0) + 1
    tags, want = [], rng.randint(3, 6)  # words of the pool that the article uses, by count
    cands = sorted(counts) or P.tags
    for _ in range(50):
        t = (
            rng.choices(cands, [counts.get(w, 1) for w in cands])[0]
            if len(tags) < 3 or rng.random() < 0.9
            else rng.choice(P.tags)
        )
        tags += [t] if t not in tags else []
        if len(tags) >= want:
            break
    places = P.places[district]
    dump = picked[0][0]
    lines = [no for name, no, _, _ in picked if name == dump]
    fm = ["---", f"id: {hashlib.sha1(f'{seed}:{i}'.encode()).hexdigest()[:12]}", f"title: {q(title)}"]
    if rng.random() < 0.1:
        fm.append(f"kicker: {q(headline(rng, texts, 6, 16))}")
    if rng.random() < 0.1:
        fm.append(f"subtitle: {q(headline(rng, texts, 8, 20))}")
    fm += [
        f"date: {date.isoformat()}",
        "date_precision: day",
        "date_source: text",
        f"district: {district}",
        f"places: {flow([district] + rng.sample(places, min(len(places), rng.randint(0, 2))))}",
        f"topics: {flow(rng.sample(P.topics, rng.randint(1, 2)))}",
        f"tags: {flow(tags)}",
        f"reporters: {flow(rng.sample(P.reporters, rng.randint(1, 2)))}",
        f"correspondents: {flow(rng.sample(P.others, rng.randint(0, 2)))}",
        f"photographers: {flow(rng.sample(P.others, 1) if rng.random() < 0.2 else [])}",
        f"kind: {rng.choices(['article', 'brief', 'photo'], [90, 6, 4])[0]}",
        f"slug: {slug}",
        f"source: raw/{dump}",
        f"source_lines: [{min(lines)}, {max(lines)}]",
        "---",
    ]
    return date, slug, "\n".join(fm) + "\n\n" + "\n\n".join(body) + "\n"


def generate(n: int, outdir: Path, seed: str = "1") -> None:
    P, used = Pools(), set()
    made = set()
    for i in range(n):
        rng = random.Random(f"{seed}:{i}")
        date, slug, text = article(i, seed, rng, P, used)
        folder = outdir / str(date.year)
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        with open(folder / (slug + ".md"), "w", encoding="utf-8") as f:
            f.write(text)


def article_files(outdir: Path) -> list[Path]:
    """The corpus's articles in sorted path order (Hugo's _index.md and dot-files left out)."""
    return sorted(
        p
        for p in outdir.rglob("*.md")
        if not p.name.startswith(("_", ".")) and not any(part.startswith(".") for part in p.relative_to(outdir).parts)
    )


def edit(outdir: Path, k: int, new_words: bool = False, field: str = "body") -> Path:
    """Append a sentence to the last paragraph of the K-th article (a hand edit), in place (the
    file keeps its inode, so hard links to it see the edit).  With *new_words*, the sentence
    holds NEW_WORDS, which the corpus never contains, and a number not used before.

    *field* "title" corrects the headline instead (a mark appended to it), "date" moves the
    article to the day before (an editor's fix of a date read from the text), "tags" adds a
    tag, "topics" a topic of the taxonomy (民生服务, or 基层治理 where it has that one),
    "reporters" a reporter the archive credits already (the next article's first), and
    "district" moves it to the next article's district (天元区 or 荷塘区 where that is its own)."""
    files = article_files(outdir)
    path = files[k % len(files)]
    text = path.read_text(encoding="utf-8").rstrip("\n")
    n = text.count("【更新") + 1
    if field == "title":
        # before a closing quote, if the title is quoted
        text = re.sub(r"^(title: .*?)([\"']?)$", r"\1（更正）\2", text, count=1, flags=re.M)
    elif field == "date":

        def day_before(m: re.Match) -> str:
            return f"date: {dt.date.fromisoformat(m[1]) - dt.timedelta(days=1)}"

        text = re.sub(r"^date: (\d{4}-\d{2}-\d{2})$", day_before, text, count=1, flags=re.M)
    elif field == "tags":
        # one more tag, the kind of fix an editor makes to the importer's guess
        text = re.sub(
            r"^tags: \[(.*?)\]$",
            lambda m: f"tags: [{m[1]}, 志愿服务]" if m[1] else "tags: [志愿服务]",
            text,
            count=1,
            flags=re.M,
        )
    elif field == "topics":
        # one more topic: the editor's fix of the importer's classification

        def topic_added(m: re.Match) -> str:
            topics = [t.strip() for t in m[1].split(",") if t.strip()]
            topics.append("基层治理" if "民生服务" in topics else "民生服务")
            return f"topics: [{', '.join(topics)}]"

        text = re.sub(r"^topics: \[(.*?)\]$", topic_added, text, count=1, flags=re.M)
    elif field == "reporters":
        # one more reporter, credited elsewhere in the archive: a byline the importer missed
        other = files[(k + 1) % len(files)].read_text(encoding="utf-8")
        name = next(
            (n.strip() for n in re.search(r"^reporters: \[(.*?)\]$", other, re.M)[1].split(",") if n.strip()), "张伟"
        )
        text = re.sub(
            r"^reporters: \[(.*?)\]$",
            lambda m: f"reporters: [{m[1]}, {name}]" if m[1] else f"reporters: [{name}]",
            text,
            count=1,
            flags=re.M,
        )
    elif field == "district":
        # another district of the archive: the editor's fix of the gazetteer's guess
        mine = re.search(r"^district: (.*)$", text, re.M)[1]
        other = re.search(r"^district: (.*)$", files[(k + 1) % len(files)].read_text(encoding="utf-8"), re.M)[1]
        new = other if other != mine else ("天元区" if mine != "天元区" else "荷塘区")
        text = re.sub(r"^district: .*$", f"district: {new}", text, count=1, flags=re.M)
    elif field != "body":
        raise ValueError(f"unknown field to edit: {field}")
    elif new_words:
        text += f"【更新{n}】乐团重奏第{n}{k}号乐谱，调音师调换了长笛和单簧管。"
    else:
        text += f"【更新{n}】本报记者对上述情况进行了回访，相关工作正在推进。"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return path


# ---- statistics -------------------------------------------------------------------------------


def _han_mask(a):
    return ((a >= 0x3400) & (a <= 0x4DBF)) | ((a >= 0x4E00) & (a <= 0x9FFF)) | ((a >= 0xF900) & (a <= 0xFAFF))


def corpus_stats(outdir: Path, words: bool = True) -> dict:
    """Statistics of a corpus's article bodies (the text after the front-matter):

    han           Han characters
    bigrams       distinct Han bigrams of the Han characters in sequence, other characters
                  dropped (the measure of ../shared/bench/README.md: 381,000 at 10,000 articles)
    run_bigrams   distinct bigrams inside Han runs (the search index's bigram keys)
    bigrams_33k   distinct bigrams (first measure) of the first 33,000 Han characters, in path
                  order: real Zhuzhou Daily text holds about 18,000
    words         distinct jieba words (rjieba when installed, else jieba) with a Han character
    bytes         the Markdown files' bytes
    probe         articles containing PROBE (梧桐树)
    """
    import numpy as np

    files = article_files(outdir)
    han = nbytes = probe = 0
    seq, runs, first = [], [], []
    first_left = 33_000
    cut = None
    if words:
        try:
            import rjieba

            cut = rjieba.cut
        except ImportError:
            import jieba

            jieba.setLogLevel(60)
            cut = jieba.lcut
    vocab: set = set()
    has_han = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
    for path in files:
        raw = path.read_bytes()
        nbytes += len(raw)
        text = raw.decode("utf-8")
        if text.startswith("---"):
            end = text.find("\n---", 3)
            body = text[end + 4 :] if end >= 0 else text
        else:
            body = text
        probe += PROBE in body
        a = np.frombuffer(body.encode("utf-32-le"), dtype=np.uint32)
        m = _han_mask(a)
        han += int(m.sum())
        h = a[m].astype(np.uint64)
        if len(h) > 1:
            seq.append(np.unique((h[:-1] << 16) | h[1:]))
            if first_left > 0:
                first.append((h[:first_left][:-1] << 16) | h[:first_left][1:])
                first_left -= len(h)
        pair = m[:-1] & m[1:]
        if pair.any():
            runs.append(np.unique(((a[:-1].astype(np.uint64) << 16) | a[1:])[pair]))
        if cut is not None:
            vocab.update(w for w in cut(body) if has_han.search(w))
        if len(seq) >= 2000:
            seq = [np.unique(np.concatenate(seq))]
            runs = [np.unique(np.concatenate(runs))]
    cat = lambda xs: len(np.unique(np.concatenate(xs))) if xs else 0  # noqa: E731
    return {
        "articles": len(files),
        "bytes": nbytes,
        "han": han,
        "bigrams": cat(seq),
        "run_bigrams": cat(runs),
        "bigrams_33k": cat(first),
        "words": len(vocab) if cut is not None else None,
        "probe": probe,
    }


def format_stats(s: dict) -> str:
    words = f"{s['words']:,}" if s.get("words") is not None else "not counted"
    return (
        f"{s['articles']:,} articles, {s['bytes'] / 1e6:.1f} MB of Markdown, {s['han'] / 1e6:.2f} M Han characters, "
        f"{s['bigrams']:,} distinct Han bigrams ({s['run_bigrams']:,} inside Han runs; "
        f"{s['bigrams_33k']:,} in the first 33,000 characters), {words} distinct words (jieba), "
        f"{s['probe']} articles with {PROBE}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("args", nargs="+", help="N OUTDIR, or OUTDIR with --edit or --stats")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--edit", type=int, metavar="K", help="append a sentence to the K-th article (path order)")
    ap.add_argument("--new-words", action="store_true", help="with --edit: a sentence of words the corpus lacks")
    ap.add_argument(
        "--field",
        choices=("body", "title", "date", "district", "tags", "topics", "reporters"),
        default="body",
        help="with --edit: what to edit (the body)",
    )
    ap.add_argument("--stats", action="store_true", help="print the corpus's statistics")
    ap.add_argument("--no-words", action="store_true", help="with --stats: skip counting jieba words")
    a = ap.parse_args(argv)
    if a.edit is not None:
        print(edit(Path(a.args[-1]), a.edit, a.new_words, a.field))
    elif a.stats:
        s = corpus_stats(Path(a.args[-1]), words=not a.no_words)
        print(format_stats(s))
    elif len(a.args) == 2:
        generate(int(a.args[0]), Path(a.args[1]), a.seed)
    else:
        ap.error("expected N OUTDIR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
