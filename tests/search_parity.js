// Run the search script (sitegen/search/search.js) in node and print the folded text, runs and
// tokens of each string, or the documents of each postings text.
// Usage: node tests/search_parity.js sitegen/search/search.js fold.json strings.json
//        node tests/search_parity.js sitegen/search/search.js --postings postings.json
//        node tests/search_parity.js sitegen/search/search.js --rank cases.json
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
} else if (foldPath === '--rank') {  // [[set, score], ...] -> each set ranked
  process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(stringsPath, 'utf8')).map(c => S.ranked(c[0], c[1]))));
} else {
  for (const pairs of Object.values(JSON.parse(fs.readFileSync(foldPath, 'utf8')))) S.addFold(pairs);
  const out = JSON.parse(fs.readFileSync(stringsPath, 'utf8')).map(s => ({ fold: [S.fold(s)], runs: S.runs(s), tokens: S.tokens(s) }));
  process.stdout.write(JSON.stringify(out));
}
