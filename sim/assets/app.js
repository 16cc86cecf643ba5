// The simulator's chat page. Vanilla JS standing in for AI Studio's Angular
// app: same custom elements, same selectors (docs/aistudio-site.md), same
// network behaviour (ListModels at load, GenerateContent streamed and
// rendered as the bytes arrive).
'use strict';
(function () {
  const RPC = '/$rpc/google.internal.alkali.applications.makersuite.v1.MakerSuiteService/';
  const PREF_KEY = 'aiStudioUserPreference';
  const DEFAULT_MODEL = 'gemini-2.5-pro';

  const $ = (sel, root) => (root || document).querySelector(sel);
  const textarea = $('ms-prompt-box textarea[aria-label="Enter a prompt"]');
  const runButton = $('ms-run-button button[type="submit"]');
  const turns = $('.chat-session-content');
  // The callout exists only while there is an error (a driver may test for
  // its mere presence), so it is created and removed, never just hidden.
  const calloutSlot = $('.callout-slot');
  const modelName = $('[data-test-id="model-name"]');
  const modelSelect = $('#model-select');
  const temperatureInput = $('ms-slider[data-setting="temperature"] input[type="number"]');
  const topPInput = $('ms-slider[data-setting="top-p"] input[type="number"]');
  const maxTokensInput = $('input[aria-label="Maximum output tokens"]');
  const stopInput = $('input[aria-label="Add stop token"]');
  const chipGrid = $('mat-chip-grid.stop-sequences');
  const thinkingSettings = $('.thinking-settings');
  const thinkingTemplate = thinkingSettings.innerHTML;
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

  function applyModel(id, fromUser) {
    let m = modelInfo(id);
    if (!m) m = modelInfo(DEFAULT_MODEL) || models[0];
    if (!m) return;
    currentModel = m.id;
    modelName.textContent = m.displayName;
    modelName.setAttribute('data-model-id', m.id);
    modelName.setAttribute('title', 'models/' + m.id);
    modelSelect.value = m.id;
    maxTokensInput.value = String(m.maxOutputTokens);
    maxTokensInput.max = String(m.maxOutputTokens);
    // Models without thinking have no thinking toggles at all.
    thinkingSettings.hidden = !m.thinking;
    if (!m.thinking) thinkingSettings.innerHTML = '';
    else if (!thinkingSettings.querySelector('mat-slide-toggle')) thinkingSettings.innerHTML = thinkingTemplate;
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
      thinking: a[13] === true,
    }));
    modelSelect.innerHTML = '';
    for (const m of models) {
      const opt = document.createElement('option');
      opt.value = m.id;
      opt.textContent = m.displayName;
      modelSelect.appendChild(opt);
    }
    applyModel(currentModel, false);
  }
  modelSelect.addEventListener('change', () => applyModel(modelSelect.value, true));

  function goToSignIn() {
    location.href = '/ServiceLogin?continue=' + encodeURIComponent(location.pathname + location.search);
  }

  // ---- settings widgets ---------------------------------------------------
  document.querySelectorAll('ms-slider').forEach((slider) => {
    const range = slider.querySelector('input[type="range"]');
    const num = slider.querySelector('input[type="number"]');
    range.addEventListener('input', () => { num.value = range.value; });
    const sync = () => { range.value = num.value; };
    num.addEventListener('input', sync);
    num.addEventListener('change', sync);
  });

  function stopSequences() {
    return Array.from(chipGrid.querySelectorAll('mat-chip-row .chip-text')).map((e) => e.textContent);
  }
  function addStopChip(text) {
    if (!text || stopSequences().includes(text)) return;
    const chip = document.createElement('mat-chip-row');
    const label = document.createElement('span');
    label.className = 'chip-text';
    label.textContent = text;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.setAttribute('aria-label', 'Remove stop token');
    remove.textContent = '×';
    remove.addEventListener('click', () => chip.remove());
    chip.append(label, remove);
    chipGrid.insertBefore(chip, stopInput);
  }
  stopInput.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    addStopChip(stopInput.value);
    stopInput.value = '';
  });

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
  function toggleOn(name) {
    const sw = document.querySelector(`mat-slide-toggle[data-test-toggle="${name}"] button[role="switch"]`);
    return !!sw && sw.getAttribute('aria-checked') === 'true';
  }

  function numberOr(input, fallback) {
    const v = parseFloat(input && input.value);
    return Number.isFinite(v) ? v : fallback;
  }

  function collectSettings(prompt) {
    const m = modelInfo(currentModel);
    const thinking = !!(m ? m.thinking : true) && toggleOn('enable-thinking');
    const manual = thinking && toggleOn('manual-budget');
    return {
      model: 'models/' + currentModel,
      prompt: prompt,
      temperature: numberOr(temperatureInput, 1),
      top_p: numberOr(topPInput, 0.95),
      max_output_tokens: Math.trunc(numberOr(maxTokensInput, m ? m.maxOutputTokens : 65536)),
      stop: stopSequences(),
      thinking: thinking,
      thinking_budget: manual ? Math.trunc(numberOr(budgetInput(), -1)) : -1,
    };
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
  function addEditButton(t) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'turn-edit-button';
    b.setAttribute('aria-label', 'Edit');
    b.textContent = 'Edit';
    t.box.appendChild(b);
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

  // Splits the growing top-level JSON array into its elements as they
  // complete, so each chunk is rendered as soon as its bytes are here.
  function arrayStreamParser() {
    let buf = '', pos = 0, depth = 0, inString = false, escaped = false, start = -1;
    return function push(text) {
      buf += text;
      const out = [];
      for (; pos < buf.length; pos++) {
        const c = buf[pos];
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
          continue;
        }
        if (c === '"') { inString = true; continue; }
        if (c === '[' || c === '{') {
          depth++;
          if (depth === 2) start = pos;
        } else if (c === ']' || c === '}') {
          depth--;
          if (depth === 1) out.push(JSON.parse(buf.slice(start, pos + 1)));
        }
      }
      return out;
    };
  }

  // Returns the finish code when the chunk carries one.
  function renderChunk(t, chunk) {
    let finish = 0;
    for (const cand of chunk[0] || []) {
      const parts = (cand[0] && cand[0][0]) || [];
      for (const part of parts) {
        if (!Array.isArray(part) || typeof part[1] !== 'string') continue;
        if (part.length === 2) appendText(t, part[1]);
        else if (part.length >= 13 && part[12] === 1) appendThought(t, part[1]);
      }
      if (typeof cand[1] === 'number') finish = cand[1];
    }
    return finish;
  }

  // ---- running ------------------------------------------------------------
  function updateRunButton() {
    if (controller) return;
    runButton.disabled = textarea.value.trim() === '';
  }
  function setGenerating(on) {
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
    if (prompt.trim() === '') return;
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
      const push = arrayStreamParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const chunk of push(decoder.decode(value, { stream: true }))) {
          const f = renderChunk(modelTurn, chunk);
          if (f) finish = f;
        }
      }
      if (!finish) {
        showToast('error', 'Failed to generate content: the response ended early.');
        return;
      }
      modelTurn.box.dataset.finishReason = finish === 2 ? 'MAX_TOKENS' : 'STOP';
      addEditButton(modelTurn);
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
  $('button[aria-label="New chat"]').addEventListener('click', () => {
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
      if (controller) controller.abort();
      turns.innerHTML = '';
      textarea.value = '';
      clearNotices();
      updateRunButton();
    });
  });

  loadModels();
})();
