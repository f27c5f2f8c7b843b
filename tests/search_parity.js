// Run the search script (sitegen/search/search.js) in node and print the folded text, runs and
// tokens of each string, or the documents of each postings text.
// Usage: node tests/search_parity.js sitegen/search/search.js fold.json strings.json
//        node tests/search_parity.js sitegen/search/search.js --postings postings.json
//        node tests/search_parity.js sitegen/search/search.js --query SITE cases.json
// (--query: each [query, filters, page] of cases.json run on the index in SITE/search/: the
// results page by page, each page with the count shown then and the index files loaded so far,
// then every result in rank order.  Run the cases of one site in one process: files load once.)
'use strict';
const fs = require('fs');
const vm = require('vm');
const [jsPath, foldPath, stringsPath] = process.argv.slice(2);  // foldPath: or --postings
const window = {};
const sandbox = { window, document: undefined, location: { protocol: 'http:' }, performance: { now: () => 0 },
  URLSearchParams, Promise, console };
sandbox.document = { currentScript: null, addEventListener() {}, readyState: 'complete',
  getElementById() { return null; }, querySelectorAll() { return []; } };
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(jsPath, 'utf8'), sandbox);
const S = window.__sitegenSearch;
if (foldPath === '--postings') {
  process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(stringsPath, 'utf8')).map(S.decode)));
} else if (foldPath === '--query') {
  const site = stringsPath, loadedFiles = [];
  // <script> elements as the script makes them: "appended", the file runs, then its onload.
  sandbox.document.createElement = () => ({ parentNode: null });
  sandbox.document.head = {
    appendChild(el) {
      setImmediate(() => {
        const file = require('path').join(site, el.src.split('?')[0]);
        if (!fs.existsSync(file)) return el.onerror();
        loadedFiles.push(el.src);
        vm.runInContext(fs.readFileSync(file, 'utf8'), sandbox);
        el.onload();
      });
    },
  };
  (async () => {
    const out = [];
    for (const [q, filters, size] of JSON.parse(fs.readFileSync(process.argv[5], 'utf8'))) {
      const before = loadedFiles.length, res = await S.query(q, filters), pages = [];
      while (!res.done()) {
        const docs = await res.take(size);
        pages.push({ docs, count: res.count(), exact: res.exact(), files: loadedFiles.length - before });
      }
      out.push({ all: await S.queryAll(q, filters), pages });
    }
    process.stdout.write(JSON.stringify(out));
  })();
} else {
  for (const pairs of Object.values(JSON.parse(fs.readFileSync(foldPath, 'utf8')))) S.addFold(pairs);
  const out = JSON.parse(fs.readFileSync(stringsPath, 'utf8')).map(s => ({ fold: [S.fold(s)], runs: S.runs(s), tokens: S.tokens(s) }));
  process.stdout.write(JSON.stringify(out));
}
