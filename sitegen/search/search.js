/* sitegen search: a static, sharded index read in the browser. No libraries.
 * The rules (folding, runs, bigrams, keys) are in docs/SEARCH.md and match sitegen/text.py.
 * Index files are <script> files calling window.__sitegenSearch.load(name, data), so the
 * search works over http and from file:// alike. Article text only ever goes through
 * textContent / createTextNode. */
(function () {
  'use strict';
  var S = window.__sitegenSearch = window.__sitegenSearch || {};
  if (S.ready) return;
  S.ready = true;

  var loaded = {}, waiting = {};
  /* The page's relative path to the site root (data-root on <html>, e.g. '../../'): index files
   * and result links are resolved against the page, so any base URL and file:// work alike. */
  var root = (document.documentElement && document.documentElement.getAttribute('data-root')) || './';

  /* The index version (data-index on the search form, new whenever any index file changes):
   * a browser that cached one build's files never mixes them with the next build's. */
  function indexVersion() {
    var form = document.getElementById('search-form');
    var v = form && form.getAttribute('data-index');
    return v ? '?v=' + encodeURIComponent(v) : '';
  }

  S.load = function (name, data) {
    loaded[name] = data;
    var w = waiting[name];
    if (w) { delete waiting[name]; for (var i = 0; i < w.length; i++) w[i](data); }
  };

  function get(name, path) {
    if (Object.prototype.hasOwnProperty.call(loaded, name)) return Promise.resolve(loaded[name]);
    return new Promise(function (resolve) {
      if (waiting[name]) { waiting[name].push(resolve); return; }
      waiting[name] = [resolve];
      var el = document.createElement('script');
      el.src = root + path + indexVersion();
      el.async = true;
      el.onerror = function () { S.load(name, null); };
      el.onload = function () { el.parentNode && el.parentNode.removeChild(el); if (!(name in loaded)) S.load(name, null); };
      document.head.appendChild(el);
    });
  }

  /* ---- normalisation: identical to sitegen.text.fold / search_runs / search_tokens ---- */
  var foldMap = {};
  S.addFold = function (pairs) {
    var chars = Array.from(pairs);
    for (var i = 0; i + 1 < chars.length; i += 2) foldMap[chars[i]] = chars[i + 1];
  };
  function fold(text) {
    var out = '';
    for (var ch of text) {
      var c = ch.codePointAt(0);
      if (c < 128) out += (c >= 65 && c <= 90) ? String.fromCharCode(c + 32) : (c === 9 ? ' ' : ch);
      else out += Object.prototype.hasOwnProperty.call(foldMap, ch) ? foldMap[ch] : ch;
    }
    return out;
  }
  function isHan(ch) {
    var c = ch.codePointAt(0);
    return (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff);
  }
  var RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+/g;
  function runs(text) { return fold(text).match(RUN) || []; }
  function bigrams(run) {
    var out = [];
    for (var i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
    return out;
  }
  function tokens(text) {
    var out = [];
    runs(text).forEach(function (r) {
      if (isHan(r[0]) && r.length > 1) out.push.apply(out, bigrams(r)); else out.push(r);
    });
    return out;
  }
  S.fold = fold; S.runs = runs; S.tokens = tokens;

  /* ---- postings ---- */
  var FIN = '0123456789abcdefghijklmnopqrstuv', CONT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-.';
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  function decode(text) {
    var out = [], n = 0, prev = -1;
    if (text[0] === '!') {  /* the complement: the last document, then the ones missing before it */
      var listed = decode(text.slice(1)), last = listed[0], m = 1;
      for (var d = 0; d <= last; d++) {
        if (m < listed.length && listed[m] - last - 1 === d) m++; else out.push(d);
      }
      return out;
    }
    if (text[0] === '~') {
      for (var j = 1; j < text.length; j++) {
        var v = B64.indexOf(text[j]);
        for (var b = 0; b < 6; b++) if (v >> b & 1) out.push(6 * (j - 1) + b);
      }
      return out;
    }
    for (var i = 0; i < text.length; i++) {
      var ch = text[i], k = CONT.indexOf(ch);
      if (k >= 0) { n = n * 32 + k; continue; }
      n = n * 32 + FIN.indexOf(ch);
      prev = prev + n + 1; out.push(prev); n = 0;
    }
    return out;
  }
  S.decode = decode;
  function hash(key) {
    var h = 0x811c9dc5;
    for (var ch of key) { h ^= ch.codePointAt(0); h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }
  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; } else if (a[i] < b[j]) i++; else j++;
    }
    return out;
  }
  function union(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
      else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
      else { out.push(a[i]); i++; j++; }
    }
    return out;
  }

  function getMeta() {
    return get('meta', 'search/meta.js').then(function (m) {
      if (!m) throw new Error('search index missing');
      if (m.rank === undefined) ranks(m);
      return m;
    });
  }
  /* The rank (place in date order) of every document number: its number, but for the documents
   * a patch kept at their numbers out of date order (meta.moved: [number, rank]), the others
   * taking the ranks left in number order; and below[r], the highest rank of the numbers before
   * span r.  Both null when no document moved: every rank is its number. */
  function ranks(meta) {
    meta.rank = meta.below = null;
    if (!meta.moved || !meta.moved.length) return;
    var rank = new Int32Array(meta.n), taken = new Uint8Array(meta.n), fixed = {}, next = 0, n;
    meta.moved.forEach(function (m) { fixed[m[0]] = m[1]; taken[m[1]] = 1; });
    for (n = 0; n < meta.n; n++) {
      if (n in fixed) { rank[n] = fixed[n]; continue; }
      while (taken[next]) next++;
      rank[n] = next++;
    }
    var below = [-1], top = -1;
    for (n = 0; n < meta.n; n++) {
      if (rank[n] > top) top = rank[n];
      if ((n + 1) % meta.part === 0 || n + 1 === meta.n) below.push(top);
    }
    meta.rank = rank; meta.below = below;
  }
  function ensureFold(meta, text) {
    var need = {};
    for (var ch of text) {
      var c = ch.codePointAt(0);
      if (c >= 128) { var b = (c >> 8).toString(16); if (meta.fold.indexOf(b) >= 0) need[b] = 1; }
    }
    return Promise.all(Object.keys(need).map(function (b) {
      return get('f' + b, 'search/f/' + b + '.js').then(function (pairs) { if (pairs) S.addFold(pairs); });
    }));
  }

  /* A query is a list of terms (runs); a term matches if any alternative matches;
   * an alternative is a list of keys that must all be present.  A pinyin term's keys (p:, i:)
   * hold words, not documents: each word becomes an alternative of Han text (`withWords`). */
  function hanAlt(r) {
    var keys;
    if (r.length === 1) keys = [r];
    else {
      var bg = bigrams(r);
      if (bg.length <= 5) keys = bg;  /* up to 6 characters (every pinyin word): every bigram */
      else { keys = []; for (var i = 0; i < bg.length; i += 2) keys.push(bg[i]); if (keys[keys.length - 1] !== bg[bg.length - 1]) keys.push(bg[bg.length - 1]); }
    }
    return { keys: dedupe(keys), hl: [r], check: r.length > 3 ? r : null };
  }
  function parse(meta, q) {
    var terms = [];
    runs(q).forEach(function (r) {
      var alts = [], pinyin = [];
      if (isHan(r[0])) {
        alts.push(hanAlt(r));
        var d = meta.aliases[r];
        if (d) {
          var fd = fold(d);
          alts.push({ keys: ['d:' + fd], hl: [fd], check: null });
        }
      } else {
        alts.push({ keys: [r], hl: [r], check: null });
        if (/^[a-z]{2,}$/.test(r)) {
          pinyin.push('p:' + r);
          if (r.length <= 4) pinyin.push('i:' + r);
        }
      }
      terms.push({ text: r, alts: alts, pinyin: pinyin });
    });
    return terms;
  }
  /* Add to each pinyin term an alternative for each word its keys hold (*entries*: key → words). */
  function withWords(terms, entries) {
    terms.forEach(function (t) {
      t.seen = {};
      t.pinyin.forEach(function (k) {
        (entries[k] || '').split(' ').forEach(function (w) {
          if (w && !t.seen[w]) { t.seen[w] = 1; t.alts.push(hanAlt(w)); }
        });
      });
    });
    return terms;
  }

  /* Full pinyin typed for two words at once (zhibochuangye: 直播|创业), which no key holds: the
   * run is cut in two where each side is two or more syllables, and each side looked up as a
   * word's reading; the two most common words of each side make the compounds.  (Initials are
   * too ambiguous for this: zb holds 主办 周边 支部 before 直播.)  The syllables are pypinyin's
   * (search/syllables.js, written with the index). */
  var SYLLABLES = null;  /* search/syllables.js, loaded by the first query that needs it */
  function syllableCount(s) {  /* the most syllables s can be cut into, at most 2 (0: none) */
    var most = [0];
    for (var i = 1; i <= s.length; i++) {
      most[i] = -1;
      for (var k = 1; k <= 6 && k <= i; k++) {
        if (most[i - k] >= 0 && SYLLABLES[s.slice(i - k, i)]) most[i] = Math.max(most[i], Math.min(2, most[i - k] + 1));
      }
    }
    return Math.max(0, most[s.length]);
  }
  var CUTS = 3;  /* places a run is cut at most (each loads two keys) */
  function halves(r) {
    var out = [];
    if (syllableCount(r) < 2) return out;
    for (var i = 2; i + 2 <= r.length && out.length < CUTS; i++) {
      var a = r.slice(0, i), b = r.slice(i);
      /* a side that is one syllable (xiang, not xi'ang) reads no word of two characters */
      if (syllableCount(a) === 2 && syllableCount(b) === 2 && !SYLLABLES[a] && !SYLLABLES[b]) out.push(['p:' + a, 'p:' + b]);
    }
    return out;
  }
  var COMPOUNDS = 3;  /* two-word alternatives a term takes at most (each loads its bigrams) */
  function unfound(t, entries) {
    return t.pinyin.length && !Object.keys(t.seen).length && !entries[t.text] && t.text.length >= 4;
  }
  /* The keys of the halves of the pinyin terms nothing was found for (the syllables loaded first). */
  function compoundKeys(terms, entries) {
    var wanting = terms.filter(function (t) { t.halves = []; return unfound(t, entries); });
    if (!wanting.length) return Promise.resolve([]);
    return get('syllables', 'search/syllables.js').then(function (list) {
      if (!SYLLABLES) { SYLLABLES = {}; (list || '').split(' ').forEach(function (s) { if (s) SYLLABLES[s] = 1; }); }
      var keys = [];
      wanting.forEach(function (t) {
        t.halves = halves(t.text);
        t.halves.forEach(function (h) { keys.push(h[0], h[1]); });
      });
      return keys;
    });
  }
  function withCompounds(terms, entries) {
    terms.forEach(function (t) {
      var made = 0;
      t.halves.forEach(function (h) {
        var left = (entries[h[0]] || '').split(' ').slice(0, 2), right = (entries[h[1]] || '').split(' ').slice(0, 2);
        left.forEach(function (a) {
          right.forEach(function (b) {
            if (a && b && made < COMPOUNDS && !t.seen[a + b]) { t.seen[a + b] = 1; made++; t.alts.push(hanAlt(a + b)); }
          });
        });
      });
    });
  }
  function dedupe(a) { return a.filter(function (x, i) { return a.indexOf(x) === i; }); }

  function shardOf(meta, key) { return (hash(key) % meta.shards).toString(16); }

  /* The entries of *keys* as the shards hold them (null: none), each shard loaded once. */
  function loadEntries(meta, keys) {
    var shards = {};
    keys.forEach(function (k) { shards[shardOf(meta, k)] = 1; });
    return Promise.all(Object.keys(shards).map(function (s) {
      return get('s' + s, 'search/s/' + s + '.js');
    })).then(function () {
      var out = {};
      keys.forEach(function (k) {
        var sh = loaded['s' + shardOf(meta, k)];
        out[k] = sh && Object.prototype.hasOwnProperty.call(sh, k) ? sh[k] : null;
      });
      return out;
    });
  }
  /* A key's entry: its postings whole (b), or, for a key in many documents (index format 3), a
   * head: "@", its count, the numbers of its parts; each part holds the key's documents in one
   * span of meta.part document numbers and is loaded when a query needs that span (got: part →
   * documents).  t: the headline postings, always whole. */
  function readEntry(entry) {
    var halves = (entry || '').split('|'), body = halves[0], out = { t: decode(halves[1] || '') };
    if (body[0] === '@') {
      var end = 1;
      while (CONT.indexOf(body[end]) >= 0) end++;  /* the count, not needed here */
      out.parts = decode(body.slice(end + 1));
      out.got = {};
    } else out.b = decode(body);
    return out;
  }
  function loadKeys(meta, keys) {
    return loadEntries(meta, keys).then(function (entries) {
      var out = {};
      keys.forEach(function (k) { out[k] = readEntry(entries[k]); });
      return out;
    });
  }
  function loadParts(meta, post, keys, r) {
    return Promise.all(keys.map(function (k) {
      var s = shardOf(meta, k), p = r.toString(16);
      return get('p' + p + '.' + s, 'search/p/' + p + '/' + s + '.js').then(function (group) {
        var d = decode(group && Object.prototype.hasOwnProperty.call(group, k) ? group[k] : ''), at = r * meta.part;
        for (var i = 0; i < d.length; i++) d[i] += at;
        post[k].got[r] = d;
      });
    }));
  }

  /* Run a query: a search (`Search`) whose ranked documents come out with take(n).
   * filters: {district, year, topic}. */
  S.query = function (q, filters) {
    filters = filters || {};
    var t0 = performance.now();
    return getMeta().then(function (meta) {
      var terms;
      return ensureFold(meta, q + (filters.district || '') + (filters.topic || '')).then(function () {
        terms = parse(meta, q);
        var pinyin = [];  /* with the term itself: found as Latin text, it needs no compound */
        terms.forEach(function (t) { if (t.pinyin.length) pinyin.push.apply(pinyin, [t.text].concat(t.pinyin)); });
        return pinyin.length ? loadEntries(meta, pinyin) : {};
      }).then(function (entries) {
        withWords(terms, entries);
        return compoundKeys(terms, entries);
      }).then(function (halfKeys) {
        return halfKeys.length ? loadEntries(meta, halfKeys) : {};
      }).then(function (entries) {
        withCompounds(terms, entries);
        var keys = [];
        terms.forEach(function (t) { t.alts.forEach(function (a) { keys.push.apply(keys, a.keys); }); });
        if (filters.district) keys.push('d:' + fold(filters.district));
        if (filters.topic) keys.push('t:' + fold(filters.topic));
        keys = dedupe(keys);
        return loadKeys(meta, keys).then(function (post) {
          var res = new Search(meta, terms, post, filters, performance.now() - t0);
          S.lastTiming = res.timing;
          return res;
        });
      });
    });
  };
  /* Every result of a query, ranked, and their count (all its parts loaded). */
  S.queryAll = function (q, filters) {
    return S.query(q, filters).then(function (res) {
      return res.take(Infinity).then(function (docs) { return { docs: docs, count: res.count(), exact: res.exact() }; });
    });
  };

  function lowerBound(sorted, n) {
    var lo = 0, hi = sorted.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (sorted[mid] < n) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function holds(sorted, n) {
    var at = lowerBound(sorted, n);
    return at < sorted.length && sorted[at] === n;
  }

  /* The results of a query, ranked by how many terms the headline matches, then newer first
   * (by rank: documents are numbered oldest first, but for those meta.moved lists).  Headline
   * postings are whole, so the scores are known at once; a span of documents is matched when a
   * result is wanted from it, its keys' parts loaded then: the documents of score ≥ 1 in rank
   * order, each checked in its span, then the spans newest first for the documents of score 0,
   * each held until no span left to walk can hold a newer one.  So the order is exact whatever
   * is loaded, and the count is exact once every span is matched ("at least" before). */
  function Search(meta, terms, post, filters, fetched) {
    var t1 = performance.now(), q = this;
    q.meta = meta; q.terms = terms; q.post = post; q.span = meta.part;
    q.timing = { fetch: fetched, compute: 0 };
    q.filterKeys = [];
    if (filters.district) q.filterKeys.push('d:' + fold(filters.district));
    if (filters.topic) q.filterKeys.push('t:' + fold(filters.topic));
    q.rank = meta.rank;
    q.lo = 0; q.hi = meta.n - 1;  /* the ranks in scope (a year is a range of them) */
    if (filters.year) {
      var yr = null;
      meta.years.forEach(function (y) { if (y[0] === String(filters.year)) yr = y; });
      if (yr) { q.lo = yr[1]; q.hi = yr[2]; } else q.hi = -1;
    }
    if (terms.length === 0 && !q.filterKeys.length && !filters.year) q.hi = -1;  /* nothing asked */
    q.score = {};
    terms.forEach(function (t) {
      var title = [];
      t.alts.forEach(function (a) {
        var ti = null;
        a.keys.forEach(function (k) { ti = ti === null ? post[k].t : intersect(ti, post[k].t); });
        title = union(title, ti || []);
        a.docsIn = {};  /* span → the documents this alternative matches there (`docPasses`) */
      });
      title.forEach(function (n) { q.score[n] = (q.score[n] || 0) + 1; });
    });
    /* the headline matches in rank order: a bucket per score, each read backwards */
    var buckets = [];
    Object.keys(q.score).forEach(function (key) {
      var n = +key;
      if (q.inScope(n)) (buckets[q.score[n]] = buckets[q.score[n]] || []).push(n);
    });
    q.candidates = [];
    for (var b = buckets.length - 1; b > 0; b--) {
      if (buckets[b]) q.candidates.push.apply(q.candidates, buckets[b].sort(q.newer.bind(q)));
    }
    q.matched = {};  /* span → its matching documents, rising */
    q.first = Math.floor(q.lo / q.span); q.last = q.hi < q.lo ? q.first - 1 : Math.floor(q.hi / q.span);
    if (q.rank) {  /* the spans of the numbers in scope */
      q.spans = {}; q.first = Infinity; q.last = -1;
      for (var d = 0; d < meta.n; d++) {
        if (!q.inScope(d)) continue;
        var s = Math.floor(d / q.span);
        q.spans[s] = 1; q.first = Math.min(q.first, s); q.last = Math.max(q.last, s);
      }
      if (q.last < 0) q.first = 0;
    }
    /* the walk: the next candidate; the span the score-0 walk is in, the documents of score 0
     * it holds (newest first, from `at`) and the span it took them from last */
    q.next = 0; q.zeroSpan = q.last; q.held = []; q.at = 0; q.heldSpan = null;
    q.buffer = []; q.finished = false;
    for (var r = q.first; r <= q.last; r++) {  /* every span that needs no part, matched now */
      var wanted = q.wanted(r);
      if (wanted === null || !wanted.length) q.matched[r] = wanted === null ? [] : q.match(r);
    }
    q.timing.compute += performance.now() - t1;
  }
  Search.prototype.rankOf = function (n) { return this.rank ? this.rank[n] : n; };
  Search.prototype.inScope = function (n) { var k = this.rankOf(n); return k >= this.lo && k <= this.hi; };
  Search.prototype.newer = function (x, y) { return this.rankOf(y) - this.rankOf(x); };
  /* The highest rank of a document numbered before span *r*. */
  Search.prototype.below = function (r) { return this.rank ? this.meta.below[r] : r * this.span - 1; };
  /* The split keys whose part *r* a match in span *r* needs, or null when no document there
   * can match (a term none of whose alternatives has every key in the span, or none in scope). */
  Search.prototype.wanted = function (r) {
    var q = this, lo = r * q.span, hi = lo + q.span, need = {};
    if (q.rank && !q.spans[r]) return null;
    function present(k) {
      var p = q.post[k];
      return p.b ? lowerBound(p.b, hi) > lowerBound(p.b, lo) : holds(p.parts, r);
    }
    function want(keys) { keys.forEach(function (k) { if (!q.post[k].b && !(r in q.post[k].got)) need[k] = 1; }); }
    for (var i = 0; i < q.terms.length; i++) {
      var possible = q.terms[i].alts.filter(function (a) { return a.keys.every(present); });
      if (!possible.length) return null;
      possible.forEach(function (a) { want(a.keys); });
    }
    if (!q.filterKeys.every(present)) return null;
    want(q.filterKeys);
    return Object.keys(need);
  };
  /* The documents of span *r* that match (its parts loaded). */
  Search.prototype.match = function (r) {
    var q = this, lo = r * q.span, hi = (r + 1) * q.span, set = null;
    if (!q.rank) { lo = Math.max(lo, q.lo); hi = Math.min(hi, q.hi + 1); }  /* else filtered below */
    function docs(k) {
      var p = q.post[k], d = p.b || p.got[r] || [];
      return d.slice(lowerBound(d, lo), lowerBound(d, hi));
    }
    q.terms.forEach(function (t) {
      var found = [];
      t.alts.forEach(function (a) {
        var b = null;
        a.keys.forEach(function (k) { b = b === null ? docs(k) : intersect(b, docs(k)); });
        a.docsIn[r] = b || [];
        found = union(found, a.docsIn[r]);
      });
      set = set === null ? found : intersect(set, found);
    });
    if (set === null) { set = []; for (var n = lo; n < hi; n++) set.push(n); }  /* filters alone */
    q.filterKeys.forEach(function (k) { set = intersect(set, docs(k)); });
    return q.rank ? set.filter(q.inScope, q) : set;
  };
  Search.prototype.ensure = function (r) {
    var q = this, wanted = q.wanted(r);
    return (wanted && wanted.length ? loadParts(q.meta, q.post, wanted, r) : Promise.resolve()).then(function () {
      var t = performance.now();
      q.matched[r] = wanted === null ? [] : q.match(r);
      q.timing.compute += performance.now() - t;
    });
  };
  /* The next *n* results (fewer at the end), a span's parts loaded when a result is wanted
   * from it.  One result more is looked for, so `done` knows whether any is left.  Calls run
   * one after the other: two at once would each keep the other's next result. */
  Search.prototype.take = function (n) {
    var q = this;
    q.pending = (q.pending || Promise.resolve()).then(function () { return q.takeNow(n); });
    return q.pending;
  };
  Search.prototype.takeNow = function (n) {
    var q = this, out = q.buffer;
    q.buffer = [];
    function loop() {
      while (out.length <= n && !q.finished) {
        if (q.next < q.candidates.length) {
          var d = q.candidates[q.next], r = Math.floor(d / q.span);
          if (!(r in q.matched)) return q.ensure(r).then(loop);
          q.next++;
          if (holds(q.matched[r], d)) out.push(d);
          continue;
        }
        var walking = q.zeroSpan >= q.first;
        if (walking && !(q.zeroSpan in q.matched)) return q.ensure(q.zeroSpan).then(loop);
        if (walking && q.heldSpan !== q.zeroSpan) {  /* take in the span's documents of score 0 */
          q.heldSpan = q.zeroSpan;
          q.held = q.held.slice(q.at).concat(q.matched[q.zeroSpan].filter(function (e) { return !q.score[e]; }));
          if (q.rank) q.held.sort(q.newer.bind(q)); else q.held.reverse();  /* (rising numbers: the ranks) */
          q.at = 0;
        }
        var floor = walking ? q.below(q.zeroSpan) : -1;  /* no span left to walk holds a newer one */
        while (q.at < q.held.length && q.rankOf(q.held[q.at]) > floor && out.length <= n) out.push(q.held[q.at++]);
        if (out.length > n) break;
        if (walking) q.zeroSpan--; else q.finished = true;
      }
      q.buffer = out.slice(n);
      return out.slice(0, n);
    }
    return Promise.resolve().then(loop);
  };
  Search.prototype.done = function () { return this.finished && !this.buffer.length; };
  /* Whether a term is checked against the documents shown (4+ characters, §4): those that fail
   * are dropped, so the count is an upper bound of what is matched so far, not "at least". */
  Search.prototype.checked = function () {
    return this.terms.some(function (t) { return t.alts.some(function (a) { return a.check !== null; }); });
  };
  /* How many documents match: exact once every span in scope is matched, else at least. */
  Search.prototype.count = function () {
    var total = 0;
    for (var r = this.first; r <= this.last; r++) if (r in this.matched) total += this.matched[r].length;
    return total;
  };
  Search.prototype.exact = function () {
    for (var r = this.first; r <= this.last; r++) if (!(r in this.matched)) return false;
    return true;
  };

  S.doc = function (n) { return get('d' + n, 'search/d/' + n + '.js'); };

  /* Whether document n (its file: *doc*) holds every term: through an alternative whose keys it
   * holds, and whose text, when the alternative has one to check (4+ characters), is in the
   * document's (a document cut short, "z", passes unchecked). */
  function docPasses(doc, n, res) {
    var hay = fold([doc.k, doc.t, doc.s, doc.x].join('\n')), r = Math.floor(n / res.span);
    return res.terms.every(function (t) {
      return t.alts.some(function (a) {
        return holds(a.docsIn[r] || [], n) && (a.check === null || doc.z || hay.indexOf(a.check) >= 0);
      });
    });
  }

  /* ---- rendering (text only through textContent / text nodes) ---- */
  function highlights(terms) {
    var hl = [];
    terms.forEach(function (t) { t.alts.forEach(function (a) { hl.push.apply(hl, a.hl); }); });
    hl = dedupe(hl.filter(function (h) { return h; }));
    hl.sort(function (a, b) { return b.length - a.length; });
    return hl;
  }
  function marked(parent, text, hl) {
    var f = fold(text), pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      for (var i = 0; i < hl.length; i++) {
        var at = f.indexOf(hl[i], pos);
        if (at >= 0 && (best < 0 || at < best)) { best = at; len = hl[i].length; }
      }
      if (best < 0) { parent.appendChild(document.createTextNode(text.slice(pos))); break; }
      if (best > pos) parent.appendChild(document.createTextNode(text.slice(pos, best)));
      var m = document.createElement('mark');
      m.textContent = text.slice(best, best + len);
      parent.appendChild(m);
      pos = best + len;
    }
  }
  function snippet(doc, hl) {
    var text = doc.x.replace(/\s+/g, ' '), f = fold(text), at = -1;
    for (var i = 0; i < hl.length && at < 0; i++) at = f.indexOf(hl[i]);
    var start = at < 0 ? 0 : Math.max(0, at - 30);
    var s = text.slice(start, start + 110);
    return (start > 0 ? '…' : '') + s + (start + 110 < text.length ? '…' : '');
  }
  /* url is relative to the site root (e.g. tianyuan/slug/); from file:// a folder needs its index.html */
  function href(url) {
    var u = root + url;
    if (location.protocol === 'file:' && /\/$/.test(u)) u += 'index.html';
    return u;
  }
  function renderDoc(doc, hl) {
    var li = document.createElement('li');
    li.className = 'result';
    var h = document.createElement('h3');
    var a = document.createElement('a');
    a.href = href(doc.u);
    marked(a, doc.t, hl);
    h.appendChild(a);
    li.appendChild(h);
    var meta = document.createElement('p');
    meta.className = 'result-meta';
    var time = document.createElement('time');
    time.dateTime = doc.d;
    time.textContent = doc.d;
    meta.appendChild(time);
    if (doc.r) meta.appendChild(document.createTextNode(' · ' + doc.r));
    li.appendChild(meta);
    var p = document.createElement('p');
    p.className = 'result-snippet';
    marked(p, snippet(doc, hl), hl);
    li.appendChild(p);
    return li;
  }

  /* ---- the search page ---- */
  var PAGE = 10;
  function setupPage() {
    var form = document.getElementById('search-form');
    if (!form) return;
    var input = document.getElementById('q');
    var list = document.getElementById('search-results');
    var status = document.getElementById('search-status');
    var more = document.getElementById('search-more');
    var sel = { district: document.getElementById('f-district'), year: document.getElementById('f-year'), topic: document.getElementById('f-topic') };
    var params = new URLSearchParams(location.search);
    input.value = params.get('q') || '';
    var current = null, seq = 0;

    getMeta().then(function (meta) {
      fill(sel.district, meta.districts);
      fill(sel.year, meta.years.map(function (y) { return y[0]; }));
      fill(sel.topic, meta.topics);
      ['district', 'year', 'topic'].forEach(function (k) { sel[k].value = params.get(k) || ''; });
      if (input.value || params.get('district') || params.get('year') || params.get('topic')) run(false);
    }, function () { status.textContent = '搜索索引未能加载。'; });

    function fill(select, values) {
      values.forEach(function (v) {
        var o = document.createElement('option');
        o.value = v; o.textContent = v;
        select.appendChild(o);
      });
    }
    function run(push) {
      var q = input.value.trim();
      var filters = { district: sel.district.value, year: sel.year.value, topic: sel.topic.value };
      var p = new URLSearchParams();
      if (q) p.set('q', q);
      Object.keys(filters).forEach(function (k) { if (filters[k]) p.set(k, filters[k]); });
      try { history[push ? 'pushState' : 'replaceState'](null, '', '?' + p.toString()); } catch (e) { /* some file:// setups */ }
      list.textContent = '';
      more.hidden = true;
      document.body.setAttribute('data-search-state', 'loading');
      if (!q && !filters.district && !filters.year && !filters.topic) { status.textContent = ''; document.body.setAttribute('data-search-state', 'done'); return; }
      status.textContent = '正在搜索…';
      var my = ++seq;
      S.query(q, filters).then(function (res) {
        if (my !== seq) return;
        current = { res: res, checked: 0, shown: 0, dropped: 0, hl: highlights(res.terms), my: my };
        return page();
      }).catch(function (e) { status.textContent = '搜索出错：' + e.message; });
    }
    function page() {
      var c = current, want = c.shown + PAGE, budget = c.checked + 3 * PAGE;
      c.busy = true;
      function step() {
        if (c.my !== seq) return;
        if (c.shown >= want || c.res.done() || c.checked >= budget) return finish();
        return c.res.take(Math.min(want - c.shown, budget - c.checked)).then(function (batch) {
          if (c.my !== seq) return;
          c.checked += batch.length;
          return Promise.all(batch.map(S.doc)).then(function (ds) {
            if (c.my !== seq) return;
            ds.forEach(function (d, i) {
              if (!d || !docPasses(d, batch[i], c.res)) { c.dropped++; return; }
              list.appendChild(renderDoc(d, c.hl));
              c.shown++;
            });
            return step();
          });
        });
      }
      function finish() {
        var found = Math.max(c.res.count() - c.dropped, c.shown), done = c.res.done();
        var bound = c.res.exact() ? ' ' : c.res.checked() ? '约 ' : '至少 ';
        c.busy = false;
        more.hidden = done;
        status.textContent = found > 0 || !done
          ? '找到' + bound + found + ' 篇文章' + (done ? '' : '，显示前 ' + c.shown + ' 篇')
          : '没有找到文章。';
        document.body.setAttribute('data-search-state', 'done');
      }
      return step();
    }
    form.addEventListener('submit', function (e) { e.preventDefault(); run(true); });
    ['district', 'year', 'topic'].forEach(function (k) { sel[k].addEventListener('change', function () { run(true); }); });
    more.addEventListener('click', function () { if (current && !current.busy) page(); });  /* one page at a time */
    window.addEventListener('popstate', function () {
      var p = new URLSearchParams(location.search);
      input.value = p.get('q') || '';
      ['district', 'year', 'topic'].forEach(function (k) { sel[k].value = p.get(k) || ''; });
      run(false);
    });
  }

  /* "/" focuses the search box on every page */
  document.addEventListener('keydown', function (e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target, tag = t && t.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (t && t.isContentEditable)) return;
    var box = document.getElementById('q') || document.getElementById('q-header');
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  });
  if (typeof document !== 'undefined' && document.addEventListener) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', setupPage);
    else setupPage();
  }
})();
