"""Real prose at scale for the speed benchmarks, built from Debian documentation packages.

Run ``python bench/prose.py`` once: it downloads the packages with ``apt-get download`` (the ordinary
registry client), unpacks them with ``dpkg-deb -x`` into ``bench/.cache/`` (git-ignored; the data is
never committed), extracts the text of HTML pages (lxml; navigation dropped, code blocks kept as blocks) and of
man pages (roff stripped crudely), splits it into paragraphs, drops exact repeats within a page
(navigation), and groups consecutive paragraphs into article-sized documents of 1-10 KB.
The result is ``bench/.cache/prose.jsonl`` (``id``, ``lang``, ``source``, ``text``); later runs reuse it.

Other benches import :func:`load_prose` (the real documents) and :func:`synthetic_articles`
(synthetic-from-real: real sentences from that pool, shuffled into longer articles with a fixed seed,
for runs that need 100k+ documents). Say "synthetic-from-real" beside any figure measured on those.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
DEBS = CACHE / "debs"
UNPACKED = CACHE / "unpacked"
PROSE = CACHE / "prose.jsonl"
STAMP = CACHE / "prose.stamp.json"
BUILD_VERSION = 4  # bump when extraction or grouping changes so old caches are rebuilt
SEED = 20240601

# package -> language of its text when the page does not say
PACKAGES: dict[str, str] = {
    "debian-handbook": "en",
    "debian-reference-de": "de",
    "developers-reference-de": "de",
    "debian-edu-doc-de": "de",
    "python3.11-doc": "en",
    "postgresql-doc-15": "en",
    "manpages-de": "de",
}
MIN_DOC, MAX_DOC = 1_000, 10_000  # document size bounds in UTF-8 bytes

# HTML: elements whose content is never prose, classes of navigation/code containers, block elements.
_SKIP_TAGS = {"head", "script", "style", "noscript", "svg", "math", "nav", "form", "button",
              "select", "textarea", "iframe", "object", "template"}
_SKIP_CLASSES = {"navheader", "navfooter", "docnav", "related", "sphinxsidebar", "sphinxsidebarwrapper",
                 "footer", "header", "breadcrumb", "breadcrumbs", "toc", "inline-search",
                 "version_switcher_placeholder", "language_switcher_placeholder", "mobile-nav", "headerlink"}
_BLOCK_TAGS = {"p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr",
               "blockquote", "table", "ul", "ol", "dl", "section", "article", "figure", "figcaption",
               "caption", "br", "hr", "aside", "main", "body", "title", "header", "footer", "address"}
_INDEX_PAGE = re.compile(r"(?:^|/)(?:genindex[^/]*|py-modindex|search|bookindex|ix\d+)\.html$")
_SPACE = re.compile(r"\s+")
_KEEP_NL = "\x01"  # a line break inside <pre> that paragraph splitting must keep
_PARA_BREAK = re.compile(r"\n\s*\n")


# -- fetching -----------------------------------------------------------------------------------


def download(packages: list[str]) -> dict[str, Path]:
    """``apt-get download`` each package into ``DEBS`` (kept between runs); missing ones are skipped."""
    DEBS.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    missing = [p for p in packages if not _deb_of(p)]
    if missing and not _apt_download(missing):
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        for name in missing:  # one by one, so one unknown package does not block the rest
            _apt_download([name])
    for name in packages:
        deb = _deb_of(name)
        if deb:
            found[name] = deb
        else:
            print(f"prose: package {name} is not available; building without it", file=sys.stderr)
    return found


def _deb_of(name: str) -> Path | None:
    hits = sorted(DEBS.glob(f"{name}_*.deb"))
    return hits[-1] if hits else None


def _apt_download(names: list[str]) -> bool:
    proc = subprocess.run(["apt-get", "download", *names], cwd=DEBS, capture_output=True, text=True)
    return proc.returncode == 0


def unpack(name: str, deb: Path) -> Path:
    """``dpkg-deb -x`` into ``UNPACKED/name`` (skipped when already done for this .deb)."""
    root = UNPACKED / name
    marker = root / ".unpacked-from"
    if marker.exists() and marker.read_text() == deb.name:
        return root
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    marker.write_text(deb.name)
    return root


# -- text extraction ----------------------------------------------------------------------------


def sources(name: str, root: Path) -> Iterator[tuple[str, Path]]:
    """(language, file) pairs worth reading in one unpacked package, in a stable order."""
    default = PACKAGES.get(name, "en")
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():  # symlinks repeat another page
            continue
        rel = path.relative_to(root).as_posix()
        if "/changelog" in rel or rel.endswith("/copyright") or "/_sources/" in rel:
            continue
        if rel.endswith("developers-reference.html") or _INDEX_PAGE.search(rel):
            continue  # the one-page copy of the chapters; generated index pages (lists of names)
        if path.suffix == ".html":
            yield _handbook_lang(rel) or default, path
        elif "/man/" in rel and path.suffix == ".gz" and name != "postgresql-doc-15":  # its HTML has it all
            yield default, path


def _handbook_lang(rel: str) -> str | None:
    m = re.search(r"/html/([a-z]{2})-[A-Z]{2}/", rel)
    return m.group(1) if m else None


def html_paragraphs(data: bytes) -> tuple[str | None, list[str]]:
    """The page's declared language and its prose paragraphs (block elements become breaks)."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(data)
    except Exception:  # noqa: BLE001 - an unparsable page is simply skipped
        return None, []
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    parts: list[str] = []
    _walk(tree, parts)
    return (lang.split("-")[0].lower() if lang else None), _paragraphs("".join(parts))


def _walk(el, parts: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    tag = tag.rsplit("}", 1)[-1].lower()
    classes = set((el.get("class") or "").split()) if tag else set()
    if tag in _SKIP_TAGS or classes & _SKIP_CLASSES:
        return
    if tag == "pre":  # code and screen output stay, one block with its own line breaks
        lines = "\n".join(line.rstrip() for line in el.text_content().splitlines() if line.strip())
        parts.append("\n\n" + lines.replace("\n", _KEEP_NL) + "\n\n")
        return
    block = tag in _BLOCK_TAGS
    if block:
        parts.append("\n\n")
    if tag and el.text:
        parts.append(el.text)
    for child in el:
        _walk(child, parts)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append("\n\n")


# man(7) and mdoc(7): capitalised macros carry text (kept), lower-case roff requests do not.
_ROFF_TITLE_MACROS = {"TH", "Dd", "Dt", "Os", "RS", "RE", "PD", "TP", "HP", "Bl", "Bd"}  # args are not text
_ROFF_BREAK_MACROS = {"SH", "SS", "PP", "P", "LP", "TP", "IP", "HP", "sp", "br", "RS", "RE", "TH", "EX", "EE",
                      "nf", "fi", "TS", "TE", "Sh", "Ss", "Pp", "It", "Bl", "El", "Bd", "Ed", "Lp"}
_ROFF_ESCAPES = [(re.compile(r"\\[fmMn*](?:\[[^\]]*\]|\(..|.)"), ""), (re.compile(r"\\[ud]"), ""),
                 (re.compile(r"\\[hvwlLoDXZ]'[^']*'"), ""), (re.compile(r"\\\((?:aq|cq)"), "'"),
                 (re.compile(r"\\\((?:dq|lq|rq)"), '"'), (re.compile(r"\\\((?:em|en)"), "–"),
                 (re.compile(r"\\\(bu"), "•"), (re.compile(r"\\\[[^\]]*\]|\\\(.."), ""),
                 (re.compile(r"\\[-e]"), "-"), (re.compile(r"\\&|\\c|\\:|\\%|\\/|\\,"), ""),
                 (re.compile(r"\\s[-+]?\d"), ""), (re.compile(r"\\(.)"), r"\1")]


def roff_paragraphs(data: bytes) -> list[str]:
    """Crude man-page text: macros dropped (their text arguments kept), font escapes stripped."""
    text = gzip.decompress(data).decode("utf-8", "replace")
    out: list[str] = []
    skip_table = False
    for line in text.splitlines():
        if line.startswith(('.\\"', "'\\\"", '\\"')):
            continue
        if line[:1] in ".'":
            macro, _, rest = line[1:].strip().partition(" ")
            if macro == "TS":
                skip_table = True
            elif macro == "TE":
                skip_table = False
            if macro in _ROFF_BREAK_MACROS:
                out.append("\n\n")
            if rest and macro[:1].isupper() and macro not in _ROFF_TITLE_MACROS:
                out.append(rest.replace('"', "") + " ")
            continue
        if skip_table:
            continue
        out.append(line + ("\n\n" if not line.strip() else " "))
    joined = "".join(out)
    for pattern, repl in _ROFF_ESCAPES:
        joined = pattern.sub(repl, joined)
    return _paragraphs(joined)


def _paragraphs(text: str) -> list[str]:
    paras = (_SPACE.sub(" ", chunk).strip().replace(_KEEP_NL, "\n") for chunk in _PARA_BREAK.split(text))
    return [p for p in paras if p.strip()]


# -- grouping -----------------------------------------------------------------------------------


def group(paragraphs: list[str], rng: random.Random) -> Iterator[str]:
    """Consecutive paragraphs joined into documents whose size is log-uniform in 1-10 KB."""
    target = _target(rng)
    current: list[str] = []
    size = 0
    for para in paragraphs:
        for piece in _split_long(para):
            n = len(piece.encode("utf-8")) + 2
            if current and size + n > MAX_DOC:
                if size >= MIN_DOC:
                    yield "\n\n".join(current)
                    target = _target(rng)
                current, size = [], 0  # a short run before a long paragraph is dropped (rare)
            current.append(piece)
            size += n
            if size >= target:
                yield "\n\n".join(current)
                current, size, target = [], 0, _target(rng)
    if current and size >= MIN_DOC:
        yield "\n\n".join(current)


def _target(rng: random.Random) -> int:
    return int(math.exp(rng.uniform(math.log(MIN_DOC), math.log(MAX_DOC))))


def _split_long(para: str) -> list[str]:
    """A paragraph longer than a document is cut at spaces (rare: tables flattened to one line)."""
    if len(para.encode("utf-8")) <= MAX_DOC - 2:
        return [para]
    pieces, start = [], 0
    limit = MAX_DOC // 4  # characters; safe for any script in UTF-8
    while start < len(para):
        end = min(len(para), start + limit)
        if end < len(para):
            cut = para.rfind(" ", start + 1, end)
            end = cut if cut > start else end
        pieces.append(para[start:end].strip())
        start = end
    return [p for p in pieces if p]


# -- building the cache -------------------------------------------------------------------------


def build(force: bool = False, quiet: bool = False) -> Path:
    """Build ``PROSE`` unless an up-to-date one exists; returns its path."""
    wanted = sorted(PACKAGES)
    if not force and PROSE.exists() and STAMP.exists():
        stamp = json.loads(STAMP.read_text())
        if stamp.get("version") == BUILD_VERSION:
            if not quiet:
                _print_summary(stamp, reused=True)
            return PROSE
    started = time.perf_counter()
    debs = download(wanted)
    rng = random.Random(SEED)
    stats: dict[str, dict[str, int]] = {}
    tmp = PROSE.with_suffix(".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as out:
        for name in wanted:
            if name not in debs:
                continue
            root = unpack(name, debs[name])
            by_lang: dict[str, list[str]] = {}
            for lang, path in sources(name, root):
                data = path.read_bytes()
                if path.suffix == ".html":
                    declared, paras = html_paragraphs(data)
                    lang = lang if "/html/" in path.as_posix() and _handbook_lang(path.as_posix()) \
                        else (declared or lang)
                else:
                    paras = roff_paragraphs(data)
                by_lang.setdefault(lang, []).extend(dict.fromkeys(paras))  # exact repeats within a page
            for lang, paras in sorted(by_lang.items()):
                for text in group(paras, rng):
                    count += 1
                    out.write(json.dumps({"id": f"{name}/{lang}/{count:06d}", "lang": lang, "source": name,
                                          "text": text}, ensure_ascii=False) + "\n")
                    entry = stats.setdefault(name, {"documents": 0, "bytes": 0})
                    entry["documents"] += 1
                    entry["bytes"] += len(text.encode("utf-8"))
    tmp.replace(PROSE)
    stamp = {"version": BUILD_VERSION, "packages": {n: debs[n].name for n in debs},
             "missing": [n for n in wanted if n not in debs], "per_package": stats,
             "documents": count, "bytes": sum(s["bytes"] for s in stats.values()),
             "seconds": round(time.perf_counter() - started, 1)}
    STAMP.write_text(json.dumps(stamp, indent=1))
    if not quiet:
        _print_summary(stamp, reused=False)
    return PROSE


def _print_summary(stamp: dict, reused: bool) -> None:
    how = "reused" if reused else f"built in {stamp['seconds']} s"
    print(f"prose: {PROSE} ({how}): {stamp['documents']:,} documents, {stamp['bytes'] / 1e6:.1f} MB "
          "of UTF-8 text")
    for name, s in sorted(stamp["per_package"].items()):
        print(f"  {name:26} {s['documents']:6,} documents {s['bytes'] / 1e6:6.1f} MB  ({stamp['packages'][name]})")
    if stamp["missing"]:
        print(f"  missing packages (not in the registry): {', '.join(stamp['missing'])}")


# -- API for other benches ----------------------------------------------------------------------


def load_prose(limit: int | None = None) -> list[dict]:
    """The real-prose documents (``id``, ``lang``, ``source``, ``text``), building the cache if needed."""
    build(quiet=True)
    docs: list[dict] = []
    with PROSE.open(encoding="utf-8") as f:
        for line in f:
            if limit is not None and len(docs) >= limit:
                break
            docs.append(json.loads(line))
    return docs


_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


def sentence_pool(docs: list[dict] | None = None) -> dict[str, list[str]]:
    """Real sentences of four words or more, per language, from prose paragraphs (code blocks skipped)."""
    pool: dict[str, list[str]] = {}
    for doc in docs if docs is not None else load_prose():
        sentences = pool.setdefault(doc["lang"], [])
        for para in doc["text"].split("\n\n"):
            if "\n" not in para:
                sentences += [s for s in _SENTENCE_END.split(para) if s.count(" ") >= 3]
    return pool


def iter_synthetic_articles(n: int, seed: int = 0, pool: dict[str, list[str]] | None = None) -> Iterator[dict]:
    """Synthetic-from-real articles: each picks a language (as often as the corpus has sentences in it),
    then real sentences of that language at random (fixed ``seed``) into paragraphs of 2-8 sentences
    and articles of 2-12 KB. Same ``seed`` and pool, same articles."""
    pool = pool if pool is not None else sentence_pool()
    langs = sorted(pool)
    weights = [len(pool[lang]) for lang in langs]
    rng = random.Random(seed)
    for i in range(n):
        lang = rng.choices(langs, weights)[0]
        sentences = pool[lang]
        target = int(math.exp(rng.uniform(math.log(2_000), math.log(12_000))))
        paras: list[str] = []
        size = 0
        while size < target:
            para = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 8)))
            paras.append(para)
            size += len(para.encode("utf-8")) + 2
        yield {"id": f"synthetic/{seed}/{i:07d}", "lang": lang, "source": "synthetic-from-real",
               "text": "\n\n".join(paras)}


def synthetic_articles(n: int, seed: int = 0) -> list[dict]:
    """``n`` synthetic-from-real articles as a list (see :func:`iter_synthetic_articles`)."""
    return list(iter_synthetic_articles(n, seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild the JSONL even if it is up to date")
    args = parser.parse_args()
    build(force=args.force)
    docs = load_prose()
    sizes = sorted(len(d["text"].encode("utf-8")) for d in docs)
    langs: dict[str, int] = {}
    for d in docs:
        langs[d["lang"]] = langs.get(d["lang"], 0) + 1
    print(f"  sizes: min {sizes[0]:,} B, median {sizes[len(sizes) // 2]:,} B, max {sizes[-1]:,} B")
    print("  languages: " + ", ".join(f"{k} {v:,}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
