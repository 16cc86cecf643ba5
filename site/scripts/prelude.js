// Helpers every page script may use. Not a script of its own: it is put in
// front of each one's body (site/page_scripts.cpp).
// Every selector argument is an ordered list of fallbacks (a group of the
// site file). An entry is CSS, or `text="Heading" >> css`: css inside the
// nearest block (up to 4 levels up) around the element whose whole text is
// Heading. An entry the browser rejects matches nothing.
const allOf = (root, entry) => {
  try {
    const m = /^text="([^"]*)"\s*>>\s*(.+)$/.exec(entry);
    if (!m) return Array.from(root.querySelectorAll(entry));
    for (const h of root.querySelectorAll('*')) {
      if (h.textContent.trim() !== m[1]) continue;
      if (Array.from(h.children).some((c) => c.textContent.trim() === m[1])) continue;
      for (let a = h.parentElement, up = 0; a && up < 4; a = a.parentElement, ++up) {
        const found = a.querySelectorAll(m[2]);
        if (found.length) return Array.from(found);
      }
    }
  } catch (e) {
  }
  return [];
};

// The matches of the first entry of a list that matches anything under root.
const qa = (sels, root) => {
  for (const s of sels) {
    const found = allOf(root || document, s);
    if (found.length) return found;
  }
  return [];
};
const q = (sels, root) => qa(sels, root)[0] || null;

// The nearest ancestor (or e itself) matched by any plain CSS entry.
const closestOf = (e, sels) => {
  for (const s of sels) {
    try {
      const c = e.closest(s);
      if (c) return c;
    } catch (x) {
    }
  }
  return null;
};

// A switch (aria-checked) or toggle button (aria-pressed) that is on.
const isOn = (b) => (b.getAttribute('aria-checked') || b.getAttribute('aria-pressed')) === 'true';

// A promise of true as soon as done() holds (looked at on every DOM change
// and readyState change), or of false after ms: a script waits in the page
// instead of the driver polling it.
const whenTrue = (done, ms) => new Promise((resolve) => {
  let timer = 0;
  const finish = (r) => {
    watcher.disconnect();
    document.removeEventListener('readystatechange', check);
    clearTimeout(timer);
    resolve(r);
  };
  const check = () => { if (done()) finish(true); };
  const watcher = new MutationObserver(check);
  watcher.observe(document, {childList: true, subtree: true, attributes: true});
  document.addEventListener('readystatechange', check);
  timer = setTimeout(() => finish(done()), ms);
});

// The model the page shows, and the one its stored preference names.
// m: {model_name: [selector], pref_key, pref_field} -> {shown, pref}
const modelOf = (m) => {
  const e = q(m.model_name);
  let pref = null;
  try {
    pref = JSON.parse(localStorage.getItem(m.pref_key))[m.pref_field];
  } catch (x) {
  }
  return {shown: e ? e.textContent : '', pref: typeof pref === 'string' ? pref : ''};
};

// A Stop button, or (newer pages) a spinner on Run.
const isGenerating = (s) => !!(q(s.stop_button) || q(s.run_spinner));

// What the page shows of the newest answer (after turns_before answer turns)
// and of errors. s: the selectors (see snapshot.js).
const snapshotOf = (s, turns_before) => {
  const turns = qa(s.answer_turn);
  const n = turns.length;
  const last = n > turns_before ? turns[n - 1] : null;
  const collect = (root, sels, exclude) => {
    if (!root) return '';
    let out = '';
    for (const e of qa(sels, root)) {
      if (e.parentElement && closestOf(e.parentElement, sels)) continue;
      if (exclude && closestOf(e, exclude)) continue;
      out += e.textContent;
    }
    return out;
  };
  const whole = last ? (closestOf(last, s.turn_root) || last) : null;
  const callout = q(s.quota_callout);
  const generating = isGenerating(s);
  const prompt = q(s.prompt);
  let toast = '';
  for (const sel of s.toasts) {
    for (const e of allOf(document, sel)) {
      const t = e.textContent.trim();
      if (t) toast += (toast ? ' | ' : '') + t;
    }
  }
  const calls = [];
  for (const c of whole ? qa(s.call_chunk, whole) : []) {
    const name = q(s.call_name, c);
    const args = q(s.call_args, c);
    if (name) calls.push([name.textContent.trim(), args ? args.textContent : '']);
  }
  return {
    url: location.href,
    turns: n,
    calls,
    text: collect(last, s.answer_text, s.answer_reasoning),
    reasoning: collect(last, s.answer_reasoning, null),
    // Done: the turn's edit button, or (newer pages show it only on hover)
    // Run idle again and the prompt box empty.
    finished: !!whole && (!!q(s.turn_edit_button, whole) || (!generating && !(prompt && prompt.value))),
    generating,
    quota: callout ? callout.textContent.trim() : '',
    toast,
  };
};

// Sets number inputs the way a framework notices (the prototype's value
// setter, then input/change/blur) and reads them back.
// fields: [[name, [selector], value]] -> {missing: [name], shown: {name: value}}
const setNumbers = (fields) => {
  const missing = [];
  const shown = {};
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  for (const [name, sel, v] of fields) {
    const e = q(sel);
    if (!e) {
      missing.push(name);
      continue;
    }
    e.focus();
    setter.call(e, String(v));
    e.dispatchEvent(new Event('input', {bubbles: true}));
    e.dispatchEvent(new Event('change', {bubbles: true}));
    e.dispatchEvent(new Event('blur'));
    e.blur();
    shown[name] = e.value;
  }
  return {missing, shown};
};

// One attempt at submitting the prompt: (re)sets it, fires input/change (a
// page still wiring its listeners can miss a single event, and Run would
// stay disabled for good), then presses Run. An A/B preference vote (it
// disables the prompt box) is skipped first. s: {prompt, stop_button,
// run_spinner, run_button, preference_vote_skip} -> 'vote skipped' |
// 'missing' | 'busy' | 'prompt disabled' | 'no run button' | 'disabled' | 'clicked'
const submitOnce = (s, text) => {
  const vote = q(s.preference_vote_skip);
  if (vote) {
    vote.click();
    return 'vote skipped';
  }
  const t = q(s.prompt);
  if (!t) return 'missing';
  if (isGenerating(s)) return 'busy';
  if (t.disabled) return 'prompt disabled';
  const proto = t instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype
                                                 : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value').set;
  if (t.value !== text || !window.__camoufleet_prompt_set) {
    t.focus();
    setter.call(t, text);
    window.__camoufleet_prompt_set = true;
  }
  t.dispatchEvent(new Event('input', {bubbles: true}));
  t.dispatchEvent(new Event('change', {bubbles: true}));
  const b = q(s.run_button);
  if (!b) return 'no run button';
  if (b.disabled || b.getAttribute('aria-disabled') === 'true') return 'disabled';
  b.click();
  window.__camoufleet_prompt_set = false;
  return 'clicked';
};
