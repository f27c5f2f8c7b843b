"""Consistency check of the hand-written expectations against their dumps.

It does NOT import or run the importer: it only checks that each YAML is well formed and that its line numbers point
at the lines they claim to (title on title_line, non-blank first/last/furniture lines, names present in the text), and
lists the non-blank lines that are neither in an article range nor in the furniture (these should be section labels only).

    python tests/import_corpus/check_corpus.py tests/import_corpus/dev
"""
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
FORMATS = {"archive", "no_headline", "byline_variants", "photo_credits", "headline_forms", "page_header",
           "traditional_reprint", "gb18030", "crlf_bom", "markdown", "interleaved", "hostile", "briefs"}
EVIDENCE = {"manifest", "filename", "header", "address", "published_line", "text", "none"}
DISTRICTS = {"天元区", "荷塘区", "芦淞区", "石峰区", "渌口区", "醴陵市", "攸县", "茶陵县", "炎陵县", "株洲市",
             "株洲高新区", "株洲经开区", None}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def visible(s):
    s = ANSI.sub("", s)
    return "".join(ch for ch in s if ch.isprintable() or ch in "\u3000")


def check(yml):
    errors = []
    exp = yaml.safe_load(yml.read_text(encoding="utf-8"))
    src = ROOT / exp["source"]
    if src.with_suffix("").name != yml.with_suffix("").name or not src.exists():
        errors.append(f"source {exp['source']} does not match {yml.name}")
        return errors, []
    lines = src.read_bytes().decode(exp["encoding"]).splitlines()
    n = len(lines)
    if exp["format"] not in FORMATS:
        errors.append(f"format {exp['format']}")
    if exp["date_evidence"] not in EVIDENCE:
        errors.append(f"date_evidence {exp['date_evidence']}")
    if (exp["issue_month"] is None) != bool(exp.get("expect_draft")) or (exp["issue_month"] is None) != (exp["date_evidence"] == "none"):
        errors.append("issue_month / expect_draft / date_evidence disagree")
    text = "\n".join(lines)
    covered = set()
    for f in exp["furniture"]:
        if not (1 <= f <= n) or not lines[f - 1].strip():
            errors.append(f"furniture line {f} blank or out of range")
        covered.add(f)
    for a in exp["articles"]:
        t = a["title"]
        if t is None:
            if a["title_line"] is not None or not a.get("derived_title_hint"):
                errors.append("untitled article needs title_line null and derived_title_hint")
            elif a["derived_title_hint"] not in text:
                errors.append(f"derived_title_hint not in text: {a['derived_title_hint']}")
        else:
            i = a["title_line"] - 1
            line = visible(lines[i]).lstrip("# ").strip()
            joined = "".join(visible(l).strip() for l in lines[i:i + 3])   # a headline broken over 2-3 lines
            if t not in line and not joined.startswith(t):
                errors.append(f"title {t!r} not on line {a['title_line']}: {line!r}")
        for k in ("kicker", "subtitle"):
            if a[k] and a[k] not in text:
                errors.append(f"{k} {a[k]!r} not in text")
        for k in ("first_line", "last_line"):
            if not (1 <= a[k] <= n) or not lines[a[k] - 1].strip():
                errors.append(f"{t}: {k} {a[k]} blank or out of range")
        if a["first_line"] > a["last_line"] or (a["title_line"] and not a["first_line"] <= a["title_line"] <= a["last_line"]):
            errors.append(f"{t}: bad range")
        if a["district"] not in DISTRICTS:
            errors.append(f"{t}: district {a['district']}")
        if a["kind"] not in ("article", "photo", "brief"):
            errors.append(f"{t}: kind {a['kind']}")
        for k in ("reporters", "correspondents", "photographers", "others"):
            for name in a.get(k, []):
                if name not in text:
                    errors.append(f"{t}: {k} {name} not in text")
        for s in a["subheads"]:
            if s not in text:
                errors.append(f"{t}: subhead {s!r} not in text")
        covered.update(range(a["first_line"], a["last_line"] + 1))
    loose = [(i, lines[i - 1]) for i in range(1, n + 1) if lines[i - 1].strip() and i not in covered]
    return errors, loose


def main(dirs):
    bad = 0
    for d in dirs:
        for yml in sorted(Path(d).glob("*.yaml")):
            errors, loose = check(yml)
            bad += len(errors)
            print(f"{yml}: {'OK' if not errors else 'ERRORS'}")
            for e in errors:
                print("   !", e)
            for i, l in loose:
                print(f"   neither article nor furniture (section label?) {i}: {l[:40]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [Path(__file__).parent / "dev", Path(__file__).parent / "heldout1", Path(__file__).parent / "heldout2", Path(__file__).parent / "heldout3", Path(__file__).parent / "heldout4", Path(__file__).parent / "unseen"]))
