/*
 * Search ranking for this site (conf.py: html_search_scorer), in both languages.
 *
 * Sphinx ranks pages by which query words appear in their titles and text.  Readers
 * here search with a concept ("leaf tensor", "梯度清零"), paste an error message (the error
 * matcher, docs/_static/error-matcher.js, names its entry above these results), or ask a
 * question in Chinese, so:
 * 1. a page whose own title holds every query word comes first (the page whose title's
 *    topic, before the colon, is the whole query, first of all), then a section whose
 *    title holds them all, before pages that merely mention the words;
 * 2. a section whose whole title appears inside the query (the error index's
 *    headings are the messages), or that holds the whole query of three words or
 *    more, comes first, linked to that section.  A Chinese heading that glosses the
 *    message in full-width brackets ("message（释义）") matches by the message alone;
 * 3. a query with Chinese and two words or more is ranked by how rare the words a page
 *    holds are, not only among pages that hold every word (see the last block).
 */
var Scorer = {
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,

  score: (result) => {
    const [docname, title, anchor, , score] = result;
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const words = splitQuery(query.toLowerCase()).filter((w) => w.length > 1);
    const [page, section = ""] = title.toLowerCase().split(" > ");
    const holds = (text) => words.length > 0 && words.every((w) => text.includes(w.replace(/s$/, "")));
    // a concept of one or two words ("叶子张量") belongs to its concept page, before the error
    // entries whose messages mention it; a pasted message is longer
    const entry = docname.startsWith("errors/") && words.length <= 2 ? -5 : 0;
    // titles read "Topic: `api`": the page whose topic is the whole query ("计算图") is that
    // concept's own page, before other titles that hold the word ("停止记录计算图：…")
    const bare = (text) => text.trim().replace(/^the /, "");
    const exact = !anchor && bare(page.split(/[:：]/)[0]) === bare(query.toLowerCase()) ? 5 : 0;
    if (holds(page)) return score + entry + exact + (anchor ? 10 : 20);
    return score + entry + (holds(section) ? 12 : 0);  // a section about exactly this, on another page
  },
};

(() => {
  if (typeof Search === "undefined") return;
  const normalize = (text) =>
    ` ${text.toLowerCase().replace(/[^\p{Letter}\p{Number}_]+/gu, " ").trim()} `;
  const perform = Search._performSearch;
  Search._performSearch = (query, ...rest) => {
    const results = perform(query, ...rest);
    const pasted = normalize(query);
    const long = pasted.trim().split(" ").length >= 3;
    const { alltitles, docnames, filenames, titles } = Search._index;
    const entries = [];
    for (const [title, places] of Object.entries(alltitles)) {
      const full = normalize(title);
      const message = normalize(title.replace(/（[^（）]*）\s*$/u, ""));
      const inQuery = message.trim().split(" ").length >= 3 && pasted.includes(message);
      if (!inQuery && !(long && full.includes(pasted))) continue;
      const words = inQuery ? message : full;
      for (const [file, id] of places) {
        const label = titles[file] === title ? title : `${titles[file]} > ${title}`;
        // A title the paste holds (the message itself), the longest first, outranks a title that
        // holds the paste, the tightest first; an error entry before a section that quotes its message.
        entries.push([docnames[file], label, id ? `#${id}` : "", null, (inQuery ? 2000 + words.length : 1000 - words.length) + (docnames[file].startsWith("errors/") ? 500 : 0), filenames[file], "title"]);
      }
    }
    entries.sort((a, b) => a[4] - b[4]);  // results are shown from the end
    const key = (r) => `${r[0]}${r[2]}`;
    const found = new Set(entries.map(key));
    return [...results.filter((r) => !found.has(key(r))), ...entries];
  };
})();

// A Chinese question phrased like a blog title ("pytorch .backward()后grad为None") carries
// words the answering page does not hold, and Sphinx keeps only the pages holding every query
// word of three letters or more (ranked by their single best word).  For a query with Chinese
// in it, every page holding some of its words is ranked instead by the weight of the words it
// holds: a word counts more the fewer pages hold it (squared idf), and twice in the page's own
// title (not a section's: most sections' titles hold "backward" or "grad").  A section
// whose whole title is in the query (an error message) stays first.
(() => {
  if (typeof Search === "undefined") return;
  const perform = Search._performSearch;
  Search._performSearch = (query, searchTerms, ...rest) => {
    const results = perform(query, searchTerms, ...rest);
    // a concept query ("梯度清零") keeps Sphinx's ranking; a question has more words
    if (!/\p{Script=Han}/u.test(query) || !searchTerms || searchTerms.size < 2) return results;
    const { terms, titleterms: titleTerms, docnames, titles, filenames } = Search._index;
    const filesOf = (table, word) => {
      if (!Object.prototype.hasOwnProperty.call(table, word)) return [];
      const files = table[word];
      return typeof files === "number" ? [files] : files;
    };
    const scores = new Map();
    for (const word of searchTerms) {
      const inText = filesOf(terms, word);
      const inTitle = filesOf(titleTerms, word);
      const held = new Set([...inText, ...inTitle]);
      if (held.size === 0) continue;
      const weight = Math.log(1 + docnames.length / held.size) ** 2;  // squared: a rare word outweighs several common ones
      for (const file of held) scores.set(file, (scores.get(file) || 0) + weight);
      for (const file of inTitle) {
        if (titles[file].toLowerCase().includes(word)) scores.set(file, scores.get(file) + weight);
      }
    }
    const first = results.filter((r) => r[4] >= 1000);  // whole titles found in the query
    const shown = new Set(first.map((r) => r[0]));
    const ranked = [...scores]
      .filter(([file]) => !shown.has(docnames[file]))
      .map(([file, score]) => [docnames[file], titles[file], "", null, score, filenames[file], "text"])
      .sort((a, b) => a[4] - b[4]);  // results are shown from the end
    return [...ranked, ...first];
  };
})();
