/*
 * Error matcher: a reader pastes an error from any torch release; this names the entry.
 *
 * Loaded on the search page and the error index only (autograd_docs.error_matcher), after
 * _static/autograd-errors.js, which defines window.AUTOGRAD_ERRORS from the entries' front
 * matter: [{slug, url, title, kind, fix, wordings: [{text, torch, source}], questions}].
 *
 * 1. normalise(): the paste loses what differs from reader to reader: traceback frames,
 *    Linux and Windows paths, prompts (>>>, ---->, ***, In [3]:), tensor types and shapes,
 *    numbers, node names (ExpBackward0, LogBackward), quotes (curly ones too).  An <input>
 *    drops line breaks, gluing the last frame to the message, so the message is found by
 *    its exception name ("…RuntimeError:"), wherever it stands.
 * 2. match(): the words left are weighed against every wording of every entry, each word by
 *    how few entries use it (idf).  An entry scores by the share of its wording the paste
 *    holds (a full or reworded paste) or, for a paste cut short, by the share of the paste
 *    its wording holds, once enough distinctive words agree.  Below THRESHOLD nothing
 *    matches: out of memory, shape or device errors name no entry.
 * 3. The paste is untrusted: it is only ever read, never written into the page; the box
 *    is built with textContent.
 */
(() => {
  "use strict";

  const THRESHOLD = 0.6;
  const EVIDENCE = 7;  // idf weight a cut-short paste must share with a wording (~4 rare words)

  const STOP = new Set((
    "a an and are as at be been being but by can could do for from has have he if in into " +
    "is it its of on or so than that the their then there these this those to was were when " +
    "which while will with you your not no use using used instead may might please would " +
    "runtimeerror userwarning warning error exception traceback recent call last most file " +
    "line module raise return self torch cuda none true false"
  ).split(" "));
  const SYNONYMS = { variable: "tensor", gradient: "grad" };  // old and reworded messages

  // Prompts and frames, in their one-line (glued) form too.
  const NOISE = [
    /File\s+"[^"]*",\s*line\s+\d+(?:,\s*in\s+[<\w.>]+)?/g, // File "x.py", line 3, in f
    /\bFile\s+\S+:\d+,\s*in\s+[\w.]+(?:\([^)]*\))?/g,      // IPython: File c:\x.py:706, in f(...)
    /\bCell\s+In\s*\[\d*\],\s*line\s+\d+/g,               // Cell In[2], line 1
    /\b(?:In|Out)\s*\[\d*\]:/g,                           // In [6]:
    /\bipdb>|\(Pdb\)|>>>|\.\.\.(?=\s)|-*-->|\*\*\*/g,      // prompts and arrows
    /<[^<>\s]*>/g,                                        // <ipython-input-3-…>, <stdin>, <module>
    /\[?\s*torch\.[\w.]*Tensor\s*\[[^\]]*\]\s*\]?/g,      // [torch.cuda.HalfTensor [64, 128]]
    /torch\.Size\(\s*\[[^\]]*\]\s*\)/g,                   // torch.Size([1, 3])
    /\w+Backward\d*\b/g,                                  // ExpBackward0, CudnnConvolutionBackward
    /[^\s"'`()]*[/\\][^\s"'`()]*/g,                       // paths, Linux and Windows, and URLs
    /\b0x[0-9a-f]+\b/gi,
    /\b\d+(?:\.\d+)*(?:st|nd|rd|th)?\b/g,                 // numbers, versions, 0th, 1th
  ];
  const MARKER = /(?<!:)(?:[A-Z][a-z]+)*(?:Error|Warning|Exception)\s*:(?!:)/g;  // not C++'s c10::Error::

  const unquote = (text) => text
    .replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f\u300c\u300d\u300e\u300f]/g, '"')
    .replace(/\uff1a/g, ":").replace(/[\u3002\uff0e]/g, ".").replace(/\uff0c/g, ",")
    .replace(/\u2026/g, " ");

  /** The words of an error text that can tell one message from another. */
  function words(text) {
    let t = unquote(String(text));
    for (const pattern of NOISE) t = t.replace(pattern, " ");
    t = t.replace(/\bin[- ]?place\b/gi, "inplace")
      .replace(/\bout-of-place\b/gi, "outofplace")
      .replace(/\bcan't\b|\bcannot\b/gi, "cannot")
      .replace(/n't\b/gi, " not")
      .toLowerCase();
    const out = [];
    for (let w of t.split(/[^a-z_]+/)) {
      w = w.replace(/^_+|_+$/g, "");
      if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
      w = SYNONYMS[w] || w;
      if (w.length > 1 && !STOP.has(w)) out.push(w);
    }
    return out;
  }

  /** The words of the paste from its last exception name on (the message), and all of them. */
  function normalise(paste) {
    const text = unquote(String(paste)).slice(0, 20000);
    let start = 0;
    for (const m of text.matchAll(MARKER)) start = m.index + m[0].length;
    const all = words(text);
    const tail = start > 0 ? words(text.slice(start)) : all;
    return tail.length >= 3 ? { message: tail, all } : { message: all, all };
  }

  function prepare(entries) {
    const df = new Map();
    const wordings = [];
    for (const entry of entries) {
      const texts = [entry.title, ...(entry.wordings || []).map((w) => w.text)];
      const seen = new Set();
      for (const text of texts) {
        const set = new Set(words(text));
        if (set.size === 0) continue;
        wordings.push({ entry, set });
        for (const w of set) seen.add(w);
      }
      for (const w of seen) df.set(w, (df.get(w) || 0) + 1);
    }
    const n = Math.max(entries.length, 1);
    const idf = (w) => Math.log(1 + n / (df.get(w) || 0.5));
    for (const wording of wordings) {
      wording.total = 0;
      for (const w of wording.set) wording.total += idf(w);
    }
    return { wordings, idf };
  }

  /** Entries that the paste is, best first: [{entry, score}]; empty when none is. */
  function match(paste, index) {
    const { message, all } = normalise(paste);
    // The message alone, and the whole paste in case the message came before its frames.
    const readings = [new Set(message), new Set(all)].filter((t) => t.size > 0);
    const best = new Map();
    for (const tokens of readings) {
      let pasted = 0;
      for (const w of tokens) pasted += index.idf(w);
      for (const { entry, set, total } of index.wordings) {
        let shared = 0;
        for (const w of set) if (tokens.has(w)) shared += index.idf(w);
        const recall = shared / total;
        const precision = (shared / pasted) * Math.min(1, shared / EVIDENCE);
        const score = Math.max(recall, 0.95 * precision) + 0.05 * precision;  // ties: the closer wording
        if (score > (best.get(entry) || 0)) best.set(entry, score);
      }
    }
    return [...best].filter(([, s]) => s >= THRESHOLD)
      .sort((a, b) => b[1] - a[1])
      .map(([entry, score]) => ({ entry, score }));
  }

  // -- The page: the matched entry first, above the normal results ------------------------

  const LABELS = {
    en: { is: "This is: ", paste: "Paste your error message", none: "No autograd error entry matches this message." },
    zh: { is: "这是：", paste: "粘贴你的报错信息", none: "没有与这条信息对应的自动求导报错条目。" },
  };
  const labels = () => LABELS[(document.documentElement.lang || "en").startsWith("zh") ? "zh" : "en"];
  let cached = null;
  const index = () => cached || (cached = prepare(window.AUTOGRAD_ERRORS || []));
  const root = () => document.documentElement.dataset.content_root || "";

  function show(box, paste) {
    box.replaceChildren();
    const found = paste.trim() ? match(paste, index()) : [];
    box.hidden = found.length === 0;
    if (found.length === 0) return found;
    const { entry } = found[0];
    const line = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = labels().is;
    const link = document.createElement("a");
    link.href = root() + entry.url;
    link.textContent = entry.title;
    line.append(strong, link);
    box.append(line);
    if (entry.fix) {
      const fix = document.createElement("p");
      fix.className = "autograd-error-fix";
      fix.textContent = entry.fix;
      box.append(fix);
    }
    return found;
  }

  function makeBox() {
    const box = document.createElement("div");
    box.className = "autograd-error-match admonition tip";
    box.setAttribute("role", "status");
    box.hidden = true;
    return box;
  }

  function onSearchPage() {
    const results = document.getElementById("search-results");
    if (!results) return false;
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const box = makeBox();
    results.before(box);
    show(box, query);
    return true;
  }

  function onErrorIndex() {
    const heading = document.querySelector("article h1, main h1");
    if (!heading) return;  // the extension loads this file on the search page and the error index only
    const label = document.createElement("label");
    label.className = "autograd-error-paste";
    label.textContent = labels().paste;
    const input = document.createElement("input");
    input.type = "search";
    input.autocomplete = "off";
    input.spellcheck = false;
    label.append(input);
    const box = makeBox();
    heading.after(label, box);
    input.addEventListener("input", () => show(box, input.value));
  }

  window.AutogradErrorMatcher = { words, normalise, prepare, match, show };
  const start = () => onSearchPage() || onErrorIndex();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
