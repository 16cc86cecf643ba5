// The 2026 run-settings panel (FACTS section 1, "the UI changed"): rendered
// only at desktop widths; temperature / top-p as spinbuttons without a `max`
// attribute; output length and stop sequences inside a collapsed "Advanced
// settings" section that is not in the DOM until opened; stop chips whose
// remove buttons name their token; a "Thinking Level" select on Gemini 3
// models and a toggle + budget on 2.5. The values live here, not in the DOM,
// so they survive the panel being collapsed or not rendered.
'use strict';
window.SimSettings2026 = function (ctx) {
  // ctx: { slot, overlay, readPref(), models(), onModelPicked(id) }
  const DESKTOP_WIDTH = 1000;
  const v = {
    temperature: 1, topP: 0.95, maxTokens: 65536, stop: [],
    thinking: true, manualBudget: false, budget: 1024, level: 'high',
  };
  let advancedOpen = ctx.readPref().isAdvancedOpen === true;
  let model = null;  // {id, displayName, maxOutputTokens, thinking, thinkingLevel}
  let root = null;

  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, val] of Object.entries(attrs || {})) {
      if (val === false || val === null || val === undefined) continue;
      e.setAttribute(k, val === true ? '' : String(val));
    }
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const setting = (title, ...children) => {
    const d = el('div', { class: 'setting' });
    d.append(el('h3', { class: 'setting-title' }, title), ...children);
    return d;
  };
  const number = (s, fallback) => {
    const n = parseFloat(s);
    return Number.isFinite(n) ? n : fallback;
  };

  function slider(key, max, label) {
    const s = el('ms-slider');
    const range = el('input', { type: 'range', min: 0, max, step: 0.05, 'aria-label': label + ' slider' });
    const num = el('input', {
      type: 'text', inputmode: 'decimal', role: 'spinbutton', class: 'slider-number-input',
      'aria-valuemin': 0, 'aria-valuemax': max, 'aria-valuenow': v[key],
    });
    range.value = String(v[key]);
    num.value = String(v[key]);
    range.addEventListener('input', () => { v[key] = number(range.value, v[key]); num.value = range.value; });
    const fromNum = () => {
      v[key] = number(num.value, v[key]);
      num.setAttribute('aria-valuenow', String(v[key]));
      range.value = String(v[key]);
    };
    num.addEventListener('input', fromNum);
    num.addEventListener('change', fromNum);
    s.append(range, num);
    return setting(label, s);
  }

  function toggle(attrs, label, on, flip) {
    const t = el('mat-slide-toggle', attrs);
    if (on) t.classList.add('mat-mdc-slide-toggle-checked');
    const b = el('button', { type: 'button', role: 'switch', 'aria-checked': on ? 'true' : 'false', 'aria-label': label });
    b.addEventListener('click', () => { flip(); render(); });
    t.append(b, el('label', {}, label));
    return t;
  }

  function thinkingLevel() {
    const sel = el('mat-select', { 'aria-label': 'Thinking Level', role: 'combobox', tabindex: 0, 'aria-expanded': 'false' });
    sel.append(el('span', { class: 'mat-mdc-select-value-text' }, v.level === 'low' ? 'Low' : 'High'));
    sel.addEventListener('click', () => {
      if (ctx.overlay.querySelector('.select-pane')) return;
      const pane = el('div', { class: 'cdk-overlay-pane select-pane' });
      const list = el('div', { role: 'listbox', class: 'mat-mdc-select-panel' });
      for (const level of ['low', 'high']) {
        const opt = el('mat-option', { role: 'option', 'aria-selected': v.level === level ? 'true' : 'false' });
        opt.append(el('span', { class: 'mdc-list-item__primary-text' }, level === 'low' ? 'Low' : 'High'));
        opt.addEventListener('click', () => { v.level = level; pane.remove(); render(); });
        list.append(opt);
      }
      pane.append(list);
      ctx.overlay.append(pane);
      sel.setAttribute('aria-expanded', 'true');
    });
    return setting('Thinking level', sel);
  }

  function thinking25() {
    const d = el('div', { class: 'setting thinking-settings' });
    d.append(toggle({ class: 'thinking-toggle' }, 'Toggle thinking mode', v.thinking, () => { v.thinking = !v.thinking; }));
    if (v.thinking) {
      d.append(toggle({ 'data-test-toggle': 'manual-budget' }, 'Set thinking budget', v.manualBudget,
                      () => { v.manualBudget = !v.manualBudget; }));
      const budget = el('input', { type: 'number', min: 1, max: 32768, 'aria-label': 'Thinking budget', disabled: !v.manualBudget });
      budget.value = String(v.budget);
      const upd = () => { v.budget = Math.trunc(number(budget.value, v.budget)); };
      budget.addEventListener('input', upd);
      budget.addEventListener('change', upd);
      d.append(budget);
    }
    return d;
  }

  function stopChips() {
    const grid = el('mat-chip-grid', { class: 'stop-sequences' });
    for (const token of v.stop) {
      const chip = el('mat-chip-row');
      const remove = el('button', { type: 'button', 'aria-label': 'Remove ' + token }, '×');
      remove.addEventListener('click', () => { v.stop = v.stop.filter((t) => t !== token); render(); });
      chip.append(el('span', { class: 'chip-text' }, token), remove);
      grid.append(chip);
    }
    const input = el('input', { type: 'text', 'aria-label': 'Add stop token', placeholder: 'Add stop...' });
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const token = input.value;
      if (token && !v.stop.includes(token)) v.stop.push(token);
      render();
      const again = root && root.querySelector('input[aria-label="Add stop token"]');
      if (again) again.focus();
    });
    grid.append(input);
    return grid;
  }

  function advanced() {
    const d = el('div', { class: 'advanced-settings' });
    const b = el('button', { type: 'button', 'aria-label': 'Expand or collapse advanced settings', 'aria-expanded': advancedOpen ? 'true' : 'false' }, 'Advanced settings');
    b.addEventListener('click', () => { advancedOpen = !advancedOpen; render(); });
    d.append(b);
    if (!advancedOpen) return d;  // collapsed: its controls are not in the DOM
    const max = el('input', { type: 'number', min: 1, max: model ? model.maxOutputTokens : 65536, 'aria-label': 'Maximum output tokens' });
    max.value = String(v.maxTokens);
    const upd = () => { v.maxTokens = Math.trunc(number(max.value, v.maxTokens)); };
    max.addEventListener('input', upd);
    max.addEventListener('change', upd);
    const body = el('div', { class: 'advanced-body' });
    body.append(setting('Output length', max), setting('Stop sequences', stopChips()));
    d.append(body);
    return d;
  }

  function modelSelector() {
    const sel = el('ms-model-selector');
    const card = el('div', { class: 'model-card' });
    card.append(el('span', { class: 'model-name', 'data-test-id': 'model-name', 'data-model-id': model.id, title: 'models/' + model.id }, model.displayName));
    const select = el('select', { 'aria-label': 'Model' });
    for (const m of ctx.models()) select.append(el('option', { value: m.id }, m.displayName));
    select.value = model.id;
    select.addEventListener('change', () => ctx.onModelPicked(select.value));
    const label = el('label', {}, 'Model ');
    label.append(select);
    sel.append(card, label);
    return sel;
  }

  function render() {
    const wide = window.innerWidth >= DESKTOP_WIDTH;
    if (!wide || !model) {
      ctx.slot.replaceChildren();
      root = null;
      return;
    }
    root = el('ms-run-settings', { class: 'run-settings' });
    root.append(el('h2', {}, 'Run settings'), modelSelector(), slider('temperature', 2, 'Temperature'),
                slider('topP', 1, 'Top P'));
    if (model.thinkingLevel) root.append(thinkingLevel());
    else if (model.thinking) root.append(thinking25());
    root.append(advanced());
    ctx.slot.replaceChildren(root);
  }
  window.addEventListener('resize', () => {
    if ((window.innerWidth >= DESKTOP_WIDTH) !== !!root) render();
  });

  return {
    applyModel(m) {
      model = m;
      v.maxTokens = m.maxOutputTokens;
      render();
    },
    // The GenerateContent body's settings part (the simulator's own format).
    collect() {
      const thinks = !!model && (model.thinking || model.thinkingLevel);
      const thinking = !!model && (model.thinkingLevel ? true : model.thinking && v.thinking);
      return {
        temperature: v.temperature,
        top_p: v.topP,
        max_output_tokens: v.maxTokens,
        stop: v.stop.slice(),
        thinking: !!thinks && thinking,
        thinking_budget: model && model.thinkingLevel ? (v.level === 'low' ? 3 : -1)
          : (thinking && v.manualBudget ? v.budget : -1),
        thinking_level: model && model.thinkingLevel ? v.level : '',
      };
    },
  };
};
