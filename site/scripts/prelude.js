// Helpers every page script may use. Not a script of its own: it is put in
// front of each one's body (site/page_scripts.cpp).
const q = (sels) => {
  for (const s of sels) {
    const e = document.querySelector(s);
    if (e) return e;
  }
  return null;
};

// What the page shows of the newest answer (after turns_before answer turns)
// and of errors. s: the selectors (see snapshot.js).
const snapshotOf = (s, turns_before) => {
  const turns = document.querySelectorAll(s.answer_turn);
  const n = turns.length;
  const last = n > turns_before ? turns[n - 1] : null;
  const collect = (root, sel, exclude) => {
    if (!root) return '';
    let out = '';
    for (const e of root.querySelectorAll(sel)) {
      if (e.parentElement && e.parentElement.closest(sel)) continue;
      if (exclude && e.closest(exclude)) continue;
      out += e.textContent;
    }
    return out;
  };
  const whole = last ? (last.closest(s.turn_root) || last) : null;
  const callout = document.querySelector(s.quota_callout);
  let toast = '';
  for (const sel of s.toasts) {
    for (const e of document.querySelectorAll(sel)) {
      const t = e.textContent.trim();
      if (t) toast += (toast ? ' | ' : '') + t;
    }
  }
  return {
    url: location.href,
    turns: n,
    text: collect(last, s.answer_text, s.answer_reasoning),
    reasoning: collect(last, s.answer_reasoning, null),
    finished: !!(whole && whole.querySelector(s.turn_edit_button)),
    generating: !!q(s.stop_button),
    quota: callout ? callout.textContent.trim() : '',
    toast,
  };
};

// Sets number inputs the way a framework notices (the prototype's value
// setter, then input/change/blur) and reads them back.
// fields: [[name, selector, value]] -> {missing: [name], shown: {name: value}}
const setNumbers = (fields) => {
  const missing = [];
  const shown = {};
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  for (const [name, sel, v] of fields) {
    const e = document.querySelector(sel);
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
// stay disabled for good), then presses Run. s: {prompt, stop_button,
// run_button} -> 'missing' | 'busy' | 'no run button' | 'disabled' | 'clicked'
const submitOnce = (s, text) => {
  const t = q(s.prompt);
  if (!t) return 'missing';
  if (q(s.stop_button)) return 'busy';
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
