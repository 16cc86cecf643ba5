// Function calling and uploads on the simulator's page (FACTS section 5):
// - the tool box [data-test-id="functionCallingTooltip"] with a
//   button[role="switch"] and button.edit-function-declarations-button; the
//   dialog "Function declarations" whose "Code Editor" tab holds
//   ms-text-editor textarea (a JSON array of FunctionDeclarations), saved
//   with button[aria-label="Save the current function declarations"] — a
//   schema key the site does not know is refused ("Unknown key") and the
//   dialog stays open; reset with [aria-label="Reset the function declarations"];
// - button[data-test-id="add-media-button"] opens a menu (div[role="menu"] in
//   the overlay container, over a backdrop) whose item
//   button[role="menuitem"][aria-label="Upload a file"] holds the
//   input[type="file"]; after files are chosen the backdrop stays until Escape
//   or a click on it, the first upload of a page asks for consent
//   ("Acknowledge"), and Run is disabled until the upload is done.
// - a model listed in --no-function-calling (<html data-no-function-calling>,
//   "*" = every model) has no tool box at all, as FACTS says of models
//   without function calling; its runs send no declarations.
// - Google Search grounding and URL context exclude function calling (FACTS
//   section 5): two switches, div[data-test-id="searchAsAToolTooltip"]
//   mat-slide-toggle button[role="switch"][aria-label="Grounding with Google
//   Search"] and mat-slide-toggle button[role="switch"][aria-label="Browse the
//   url context"] (names as public drivers of the real page use them). Each
//   starts on for the models in --grounding-on / --url-context-on (<html
//   data-grounding-on / data-url-context-on>, "*" = all) when a model is
//   chosen; while either is on the function-calling switch is disabled (a
//   click does nothing), and turning one on turns function calling off.
'use strict';
window.SimTools = (function () {
  // Gemini Schema keys the site's editor accepts; anything else is "Unknown key".
  const SCHEMA_KEYS = new Set(['type', 'format', 'description', 'nullable', 'enum', 'items',
    'minItems', 'maxItems', 'properties', 'required', 'minimum', 'maximum', 'minLength',
    'maxLength', 'pattern', 'minProperties', 'maxProperties', 'propertyOrdering', 'anyOf']);
  const DECL_KEYS = new Set(['name', 'description', 'parameters', 'response']);
  let ctx = null;
  let enabled = false;
  let available = true;  // the current model has function calling
  let boxEl = null;
  let fcSwitch = null;
  const exclusive = {};  // grounding, url_context: {on, sw}
  let declarations = [];
  let consented = false;
  let uploading = 0;
  const files = [];  // {name, type, size}

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text) e.textContent = text;
    return e;
  }

  // ---- function declarations ----------------------------------------------
  function checkSchema(s, path) {
    if (!s || typeof s !== 'object' || Array.isArray(s)) throw new Error(path + ': a schema must be an object');
    for (const k of Object.keys(s)) {
      if (!SCHEMA_KEYS.has(k)) throw new Error('Unknown key "' + k + '" at ' + path);
    }
    if (s.properties) for (const [k, v] of Object.entries(s.properties)) checkSchema(v, path + '.properties.' + k);
    if (s.items) checkSchema(s.items, path + '.items');
    if (s.anyOf) s.anyOf.forEach((o, i) => checkSchema(o, path + '.anyOf[' + i + ']'));
  }
  function parseDeclarations(text) {
    const v = JSON.parse(text);
    if (!Array.isArray(v)) throw new Error('Function declarations must be a JSON array');
    v.forEach((d, i) => {
      if (!d || typeof d !== 'object' || typeof d.name !== 'string' || !d.name)
        throw new Error('Declaration ' + i + ' needs a name');
      for (const k of Object.keys(d)) if (!DECL_KEYS.has(k)) throw new Error('Unknown key "' + k + '" in ' + d.name);
      if (d.parameters) checkSchema(d.parameters, d.name + '.parameters');
    });
    return v;
  }
  function openDialog() {
    if (ctx.overlay.querySelector('.function-declarations-pane')) return;
    const pane = el('div', { class: 'cdk-overlay-pane function-declarations-pane' });
    const dlg = el('mat-dialog-container', { role: 'dialog', class: 'mat-mdc-dialog-container' });
    dlg.appendChild(el('h2', { class: 'mat-mdc-dialog-title' }, 'Function declarations'));
    const tabs = el('div', { role: 'tablist' });
    const visual = el('button', { type: 'button', role: 'tab', 'aria-selected': 'true' }, 'Visual Editor');
    const code = el('button', { type: 'button', role: 'tab', 'aria-selected': 'false' }, 'Code Editor');
    tabs.append(visual, code);
    const body = el('div', { class: 'dialog-body' });
    body.appendChild(el('p', { class: 'visual-editor' }, declarations.length + ' function(s) declared'));
    const error = el('div', { class: 'declarations-error', role: 'alert' });
    const save = el('button', { type: 'button', 'aria-label': 'Save the current function declarations' }, 'Save');
    const reset = el('button', { type: 'button', 'aria-label': 'Reset the function declarations' }, 'Reset');
    const close = el('button', { type: 'button', 'aria-label': 'Close' }, 'Close');
    let editor = null;
    // The code editor is only in the DOM while its tab is selected.
    code.addEventListener('click', () => {
      visual.setAttribute('aria-selected', 'false');
      code.setAttribute('aria-selected', 'true');
      if (editor) return;
      const host = el('ms-text-editor');
      editor = el('textarea', { 'aria-label': 'Function declarations code editor' });
      editor.value = JSON.stringify(declarations, null, 2);
      host.appendChild(editor);
      body.replaceChildren(host);
    });
    save.addEventListener('click', () => {
      if (!editor) { pane.remove(); return; }
      try {
        declarations = parseDeclarations(editor.value);
        pane.remove();
      } catch (e) {
        error.textContent = e.message;
      }
    });
    reset.addEventListener('click', () => {
      declarations = [];
      if (editor) editor.value = '[]';
      error.textContent = '';
    });
    close.addEventListener('click', () => pane.remove());
    const actions = el('div', { class: 'mat-mdc-dialog-actions' });
    actions.append(reset, close, save);
    dlg.append(tabs, body, error, actions);
    pane.appendChild(dlg);
    ctx.overlay.appendChild(pane);
  }
  function toolBox() {
    const box = el('div', { 'data-test-id': 'functionCallingTooltip', class: 'setting function-calling' });
    box.appendChild(el('h3', {}, 'Function calling'));
    const sw = el('button', { type: 'button', role: 'switch', 'aria-checked': 'false', 'aria-label': 'Function calling' });
    fcSwitch = sw;
    sw.addEventListener('click', () => {
      if (excluded()) return;  // disabled while grounding or URL context is on
      enabled = !enabled;
      sw.setAttribute('aria-checked', enabled ? 'true' : 'false');
    });
    const edit = el('button', { type: 'button', class: 'edit-function-declarations-button' }, 'Edit');
    edit.addEventListener('click', openDialog);
    box.append(sw, edit);
    return box;
  }

  // ---- grounding and URL context (they exclude function calling) ----------
  function excluded() { return Object.values(exclusive).some((x) => x.on); }
  function showExclusion() {
    if (!fcSwitch) return;
    if (excluded()) {
      enabled = false;
      fcSwitch.setAttribute('aria-checked', 'false');
      fcSwitch.setAttribute('disabled', '');
      fcSwitch.setAttribute('aria-disabled', 'true');
    } else {
      fcSwitch.removeAttribute('disabled');
      fcSwitch.setAttribute('aria-disabled', 'false');
    }
  }
  function setExclusive(name, on) {
    const x = exclusive[name];
    x.on = on;
    x.sw.setAttribute('aria-checked', on ? 'true' : 'false');
    showExclusion();
  }
  function exclusiveBox(name, testId, title, label) {
    const attrs = { class: 'setting ' + name.replace('_', '-') };
    if (testId) attrs['data-test-id'] = testId;
    const box = el('div', attrs);
    box.appendChild(el('h3', {}, title));
    const toggle = el('mat-slide-toggle', { class: 'slide-toggle large' });
    const sw = el('button', { type: 'button', role: 'switch', 'aria-checked': 'false', 'aria-label': label });
    sw.addEventListener('click', (e) => {
      e.stopPropagation();  // app.js flips every other slide toggle on its own
      setExclusive(name, !exclusive[name].on);
    });
    toggle.appendChild(sw);
    box.appendChild(toggle);
    exclusive[name] = { on: false, sw };
    return box;
  }
  function listed(attr, id) {
    const list = (document.documentElement.dataset[attr] || '').split(',').map((x) => x.trim()).filter(Boolean);
    return list.includes('*') || list.includes(id);
  }

  // ---- uploads --------------------------------------------------------------
  function closeMenu() {
    const m = ctx.overlay.querySelector('.upload-menu-pane');
    if (m) m.remove();
  }
  function closeBackdrop() {
    const b = ctx.overlay.querySelector('.cdk-overlay-backdrop');
    if (b) b.remove();
    closeMenu();
    ctx.changed();
  }
  function addFiles(list) {
    const chosen = Array.from(list).map((f) => ({ name: f.name, type: f.type, size: f.size }));
    const finish = () => {
      uploading++;
      ctx.changed();
      setTimeout(() => {
        for (const f of chosen) {
          files.push(f);
          const chip = el('div', { class: 'file-chip' }, f.name);
          ctx.chips.appendChild(chip);
        }
        uploading--;
        ctx.changed();
      }, 150);
    };
    if (consented) return finish();
    const pane = el('div', { class: 'cdk-overlay-pane consent-pane' });
    const dlg = el('mat-dialog-container', { role: 'dialog', class: 'mat-mdc-dialog-container' });
    dlg.appendChild(el('h2', { class: 'mat-mdc-dialog-title' }, 'Copyright acknowledgement'));
    dlg.appendChild(el('p', {}, 'Make sure you have the rights to upload these files.'));
    const cancel = el('button', { type: 'button' }, 'Cancel');
    const ok = el('button', { type: 'button', class: 'ms-button-primary' }, 'Acknowledge');
    cancel.addEventListener('click', () => pane.remove());
    ok.addEventListener('click', () => { consented = true; pane.remove(); finish(); });
    dlg.append(cancel, ok);
    pane.appendChild(dlg);
    ctx.overlay.appendChild(pane);
  }
  function openMenu() {
    if (ctx.overlay.querySelector('.upload-menu-pane')) return;
    const backdrop = el('div', { class: 'cdk-overlay-backdrop' });
    backdrop.addEventListener('click', closeBackdrop);
    const pane = el('div', { class: 'cdk-overlay-pane upload-menu-pane' });
    const menu = el('div', { role: 'menu', class: 'mat-mdc-menu-panel' });
    menu.appendChild(el('button', { type: 'button', role: 'menuitem', 'aria-label': 'My Drive' }, 'My Drive'));
    const item = el('button', { type: 'button', role: 'menuitem', 'aria-label': 'Upload a file' }, 'Upload a file');
    const input = el('input', { type: 'file', multiple: '', accept: 'image/*,application/pdf,text/*,audio/*' });
    input.style.display = 'none';
    input.addEventListener('change', () => {
      const list = input.files;
      closeMenu();  // the backdrop stays
      if (list && list.length) addFiles(list);
    });
    item.addEventListener('click', () => input.click());
    item.appendChild(input);
    menu.appendChild(item);
    pane.appendChild(menu);
    ctx.overlay.append(backdrop, pane);
    ctx.changed();
  }
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && ctx) closeBackdrop();
  });

  function init(c) {
    ctx = c;
    const media = el('button', { type: 'button', 'data-test-id': 'add-media-button',
      'aria-label': 'Insert assets such as images, videos, files, or audio' }, '+');
    media.addEventListener('click', openMenu);
    ctx.chips = el('div', { class: 'file-chips' });
    ctx.promptWrapper.prepend(media);
    ctx.promptWrapper.appendChild(ctx.chips);
    ctx.settingsRoot.appendChild(exclusiveBox('grounding', 'searchAsAToolTooltip',
      'Grounding with Google Search', 'Grounding with Google Search'));
    ctx.settingsRoot.appendChild(exclusiveBox('url_context', '', 'URL context', 'Browse the url context'));
    boxEl = toolBox();
    ctx.settingsRoot.appendChild(boxEl);
  }

  // The tool box is there only for models with function calling.
  function applyModel(id) {
    const off = (document.documentElement.dataset.noFunctionCalling || '').split(',')
      .map((x) => x.trim()).filter(Boolean);
    available = !(off.includes('*') || off.includes(id));
    if (exclusive.grounding) {
      setExclusive('grounding', listed('groundingOn', id));
      setExclusive('url_context', listed('urlContextOn', id));
    }
    if (!boxEl) return;
    if (!available && boxEl.isConnected) boxEl.remove();
    if (available && !boxEl.isConnected) ctx.settingsRoot.appendChild(boxEl);
  }

  // What a run sends beside the prompt; the files go with this run only.
  function takeForRun() {
    const out = {};
    if (available && enabled && declarations.length) out.tools = declarations;
    out.grounding = !!(exclusive.grounding && exclusive.grounding.on);
    out.url_context = !!(exclusive.url_context && exclusive.url_context.on);
    if (files.length) out.files = files.splice(0);
    ctx.chips.replaceChildren();
    return out;
  }
  // Run stays disabled while an upload runs or the upload backdrop is up.
  function blocking() {
    return uploading > 0 || !!ctx.overlay.querySelector('.cdk-overlay-backdrop, .consent-pane');
  }
  function renderCall(t, call) {
    const chunk = el('ms-function-call-chunk');
    chunk.appendChild(el('mat-panel-title', {}, String(call[0])));
    const block = el('ms-code-block');
    const pre = el('pre');
    pre.appendChild(el('code', {}, JSON.stringify(window.SimWire.callArguments(call[1]), null, 2)));
    block.appendChild(pre);
    chunk.appendChild(block);
    t.content.appendChild(chunk);
  }
  return { init, takeForRun, blocking, renderCall, applyModel };
})();
