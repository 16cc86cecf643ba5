// The simulator's chat page. Vanilla JS standing in for AI Studio's Angular
// app: same custom elements, same selectors (FACTS section 1), same network
// behaviour (ListModels at load, GenerateContent streamed and rendered as the
// bytes arrive). Two UI variants (sim/README.md): "2025" (index.html) and
// "2026" (index-2026.html); each has its run-settings panel (settings-2025.js,
// settings-2026.js); <html data-ui-variant> says which.
'use strict';
(function () {
  const RPC = '/$rpc/google.internal.alkali.applications.makersuite.v1.MakerSuiteService/';
  const PREF_KEY = 'aiStudioUserPreference';
  const DEFAULT_MODEL = 'gemini-2.5-pro';

  const $ = (sel, root) => (root || document).querySelector(sel);
  const VARIANT = document.documentElement.dataset.uiVariant || '2025';
  const V2026 = VARIANT === '2026';
  const textarea = $('ms-prompt-box textarea');
  const runButton = $('ms-run-button button[type="submit"]');
  const turns = $('.chat-session-content');
  // The callout exists only while there is an error (a driver may test for
  // its mere presence), so it is created and removed, never just hidden.
  const calloutSlot = $('.callout-slot');
  const budgetInput = () => $('input[aria-label="Thinking budget"]');
  const toasts = $('.toast-container');
  const overlay = $('.cdk-overlay-container');

  let models = [];            // [{id, displayName, maxOutputTokens, thinking}]
  let currentModel = readPreferredModel();
  let controller = null;      // AbortController of the running generation

  // ---- model choice -------------------------------------------------------
  function readPref() {
    try {
      const v = JSON.parse(localStorage.getItem(PREF_KEY) || '{}');
      return v && typeof v === 'object' ? v : {};
    } catch (e) {
      return {};
    }
  }
  function readPreferredModel() {
    const p = readPref().promptModel;
    return typeof p === 'string' && p ? p.replace(/^models\//, '') : DEFAULT_MODEL;
  }
  function writePreferredModel(id) {
    const pref = readPref();
    pref.promptModel = 'models/' + id;
    localStorage.setItem(PREF_KEY, JSON.stringify(pref));
  }
  function modelInfo(id) { return models.find((m) => m.id === id); }

  const settings = V2026 ? window.SimSettings2026({
    slot: $('.run-settings-slot'),
    overlay: $('.cdk-overlay-container'),
    readPref,
    models: () => models,
    onModelPicked: (id) => applyModel(id, true),
  }) : window.SimSettings2025({
    models: () => models,
    current: () => modelInfo(currentModel),
    onModelPicked: (id) => applyModel(id, true),
  });

  function applyModel(id, fromUser) {
    let m = modelInfo(id);
    if (!m) m = modelInfo(DEFAULT_MODEL) || models[0];
    if (!m) return;
    currentModel = m.id;
    settings.applyModel(m);
    window.SimTools.applyModel(m.id);
    if (fromUser) writePreferredModel(m.id);
  }

  async function loadModels() {
    let res;
    try {
      res = await fetch(RPC + 'ListModels', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json+protobuf' },
        body: '[]',
      });
    } catch (e) {
      showToast('error', 'Failed to load models');
      return;
    }
    if (res.status === 401) return goToSignIn();
    if (!res.ok) return showToast('error', 'Failed to load models');
    const body = await res.json();
    models = (body[0] || []).map((a) => ({
      id: String(a[0]).replace(/^models\//, ''),
      displayName: a[3],
      maxOutputTokens: a[6],
      thinking: a[11] === true,
      thinkingLevel: a[12] === 'level',
    }));
    applyModel(currentModel, false);
  }

  function goToSignIn() {
    location.href = '/ServiceLogin?continue=' + encodeURIComponent(location.pathname + location.search);
  }

  // ---- settings widgets ---------------------------------------------------
  // Delegated: the thinking toggles come and go with the model.
  document.addEventListener('click', (e) => {
    const sw = e.target.closest && e.target.closest('mat-slide-toggle button[role="switch"]');
    if (!sw) return;
    const toggle = sw.closest('mat-slide-toggle');
    const on = sw.getAttribute('aria-checked') !== 'true';
    sw.setAttribute('aria-checked', on ? 'true' : 'false');
    toggle.classList.toggle('mat-mdc-slide-toggle-checked', on);
    if (toggle.dataset.testToggle === 'manual-budget' && budgetInput()) budgetInput().disabled = !on;
  });
  function collectSettings(prompt) {
    return Object.assign({ model: 'models/' + currentModel, prompt: prompt }, settings.collect(),
      window.SimTools.takeForRun());
  }

  // ---- notifications ------------------------------------------------------
  function showToast(kind, text) {
    const t = document.createElement('div');
    t.className = 'toast ' + kind;
    t.setAttribute('role', 'status');
    t.textContent = text;
    toasts.appendChild(t);
    setTimeout(() => t.remove(), 6000);
  }
  function showCallout(text) {
    const callout = document.createElement('ms-callout');
    callout.className = 'error-callout';
    const message = document.createElement('div');
    message.className = 'message';
    message.setAttribute('role', 'alert');
    message.textContent = text;
    callout.appendChild(message);
    calloutSlot.replaceChildren(callout);
  }
  function clearNotices() {
    calloutSlot.replaceChildren();
    toasts.replaceChildren();
  }

  // ---- turns --------------------------------------------------------------
  function addTurn(role) {
    const turn = document.createElement('ms-chat-turn');
    const box = document.createElement('div');
    box.className = 'chat-turn-container ' + role;
    const author = document.createElement('div');
    author.className = 'author-label';
    author.textContent = role === 'user' ? 'User' : 'Model';
    const content = document.createElement('div');
    content.className = 'turn-content';
    box.append(author, content);
    turn.appendChild(box);
    turns.appendChild(turn);
    turn.scrollIntoView({ block: 'end' });
    return { turn, box, content, thought: null, text: null };
  }
  function editButton(className) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = className;
    b.setAttribute('aria-label', 'Edit');
    b.textContent = 'Edit';
    return b;
  }
  // 2025: a finished turn shows Edit. 2026: Edit exists only while the
  // pointer is over the turn.
  function addEditButton(t) {
    if (!V2026) {
      t.box.appendChild(editButton('turn-edit-button'));
      return;
    }
    t.turn.addEventListener('mouseenter', () => {
      if (!t.box.querySelector('.toggle-edit-button')) t.box.appendChild(editButton('toggle-edit-button'));
    });
    t.turn.addEventListener('mouseleave', () => {
      const b = t.box.querySelector('.toggle-edit-button');
      if (b) b.remove();
    });
  }
  function appendThought(t, s) {
    if (!t.thought) {
      // The "Thoughts" label sits outside the chunk so that the chunk's text
      // is the reasoning and nothing else.
      const header = document.createElement('div');
      header.className = 'thought-header';
      header.textContent = 'Thoughts';
      const chunk = document.createElement('ms-thought-chunk');
      const text = document.createElement('div');
      text.className = 'thought-text';
      chunk.appendChild(text);
      t.content.insertBefore(chunk, t.content.firstChild);
      t.content.insertBefore(header, chunk);
      t.thought = text;
    }
    t.thought.textContent += s;
  }
  function appendText(t, s) {
    if (!t.text) {
      const node = document.createElement('ms-cmark-node');
      node.className = 'cmark-node';
      t.content.appendChild(node);
      t.text = node;
    }
    t.text.textContent += s;
  }

  const { chunkListParser, readChunk, errorPair } = window.SimWire;
  // Renders one chunk's parts; returns {finish, message}.
  function renderChunk(t, chunk) {
    const r = readChunk(chunk);
    for (const p of r.parts) (p.thought ? appendThought : appendText)(t, p.text);
    // A call repeated by a later chunk is shown once.
    for (const c of r.calls) {
      const key = JSON.stringify(c);
      t.calls = t.calls || new Set();
      if (!t.calls.has(key)) window.SimTools.renderCall(t, c);
      t.calls.add(key);
    }
    return r;
  }

  // ---- running ------------------------------------------------------------
  function updateRunButton() {
    if (controller) return;
    runButton.disabled = textarea.value.trim() === '' || textarea.disabled || window.SimTools.blocking();
  }
  function setGenerating(on) {
    if (V2026) {
      // No Stop button: Run shows a spinner, and clicking it again stops.
      runButton.classList.toggle('stoppable', on);
      const spinner = runButton.querySelector('.stoppable-spinner');
      if (on && !spinner) {
        const sp = document.createElement('span');
        sp.className = 'stoppable-spinner';
        runButton.appendChild(sp);
        runButton.disabled = false;
      } else if (!on) {
        if (spinner) spinner.remove();
        updateRunButton();
      }
      return;
    }
    if (on) {
      runButton.setAttribute('aria-label', 'Stop generating');
      runButton.textContent = 'Stop';
      runButton.classList.add('stoppable');
      runButton.disabled = false;
    } else {
      runButton.setAttribute('aria-label', 'Run');
      runButton.textContent = 'Run';
      runButton.classList.remove('stoppable');
      updateRunButton();
    }
  }
  textarea.addEventListener('input', updateRunButton);
  textarea.addEventListener('change', updateRunButton);
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (!runButton.disabled) runButton.click();
    }
  });

  runButton.addEventListener('click', (e) => {
    e.preventDefault();
    if (controller) {
      controller.abort();
      return;
    }
    const prompt = textarea.value;
    if (prompt.trim() === '' || window.SimTools.blocking()) return;
    run(prompt);
  });

  async function run(prompt) {
    clearNotices();
    const settings = collectSettings(prompt);
    textarea.value = '';
    const userTurn = addTurn('user');
    userTurn.content.textContent = prompt;
    addEditButton(userTurn);
    const modelTurn = addTurn('model');
    const ctrl = new AbortController();
    controller = ctrl;
    setGenerating(true);
    let finish = 0;
    try {
      const res = await fetch(RPC + 'GenerateContent', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json+protobuf' },
        body: JSON.stringify(settings),
        signal: ctrl.signal,
      });
      if (res.status === 401) {
        modelTurn.turn.remove();
        goToSignIn();
        return;
      }
      if (res.status === 429) {
        modelTurn.turn.remove();
        showCallout("You've exceeded quota: rate limit reached (RESOURCE_EXHAUSTED). Try again later.");
        return;
      }
      if (!res.ok) {
        modelTurn.turn.remove();
        showToast('error', 'An internal error has occurred. (' + res.status + ')');
        return;
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const push = chunkListParser();
      let body = '', blocked = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        body += text;
        for (const chunk of push(text)) {
          const f = renderChunk(modelTurn, chunk);
          if (f.finish) finish = f.finish;
          if (f.message) blocked = f.message;
        }
      }
      const err = errorPair(body);
      if (err) {
        modelTurn.turn.remove();
        if (err.code === 8) showCallout('You\'ve reached your rate limit: ' + err.message);
        else showToast('error', 'Failed to generate content: ' + err.message);
        return;
      }
      if (!finish) {
        showToast('error', 'Failed to generate content: the response ended early.');
        return;
      }
      if (finish !== 1 && finish !== 2) {
        const warn = document.createElement('div');
        warn.className = 'blocked-warning';
        warn.textContent = 'Content blocked' + (blocked ? ': ' + blocked : '');
        modelTurn.box.appendChild(warn);
      }
      modelTurn.box.dataset.finishReason = finish === 2 ? 'MAX_TOKENS' : finish === 1 ? 'STOP' : 'SAFETY';
      addEditButton(modelTurn);
      if (V2026) window.SimChat2026.answered(modelTurn);
    } catch (e) {
      if (e && e.name === 'AbortError') {
        // A stopped turn keeps what arrived, as on the real site.
        modelTurn.box.dataset.stopped = 'true';
        addEditButton(modelTurn);
      } else {
        showToast('error', 'Failed to generate content: ' + (e && e.message ? e.message : 'network error'));
      }
    } finally {
      if (controller === ctrl) controller = null;
      setGenerating(false);
    }
  }

  // ---- new chat -----------------------------------------------------------
  function clearChat() {
    if (controller) controller.abort();
    turns.innerHTML = '';
    textarea.value = '';
    clearNotices();
    updateRunButton();
  }
  if (V2026) window.SimChat2026.init({ turns, textarea, overlay, clearChat, updateRunButton });
  else $('button[aria-label="New chat"]').addEventListener('click', () => {
    if (overlay.querySelector('.cdk-overlay-pane')) return;
    const pane = document.createElement('div');
    pane.className = 'cdk-overlay-pane';
    pane.innerHTML =
      '<mat-dialog-container role="dialog" class="mat-mdc-dialog-container">' +
      '<h2 class="mat-mdc-dialog-title">Discard unsaved changes?</h2>' +
      '<div class="mat-mdc-dialog-actions">' +
      '<button type="button" class="cancel-button">Cancel</button> ' +
      '<button type="button" class="discard-button">Discard and continue</button>' +
      '</div></mat-dialog-container>';
    overlay.appendChild(pane);
    pane.querySelector('.cancel-button').addEventListener('click', () => pane.remove());
    pane.querySelector('.discard-button').addEventListener('click', () => {
      pane.remove();
      clearChat();
    });
  });

  window.SimTools.init({
    overlay,
    promptWrapper: $('ms-prompt-input-wrapper'),
    settingsRoot: V2026 ? $('ms-app') : $('aside.run-settings'),
    changed: updateRunButton,
  });
  loadModels();
})();
