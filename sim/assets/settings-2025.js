// The 2025 run-settings panel (index.html): static markup, and the DOM holds
// the values — model name and select, temperature / top-p sliders with their
// number boxes, maximum output tokens, stop-sequence chips, and the thinking
// toggles and budget, which exist only for models with thinking (FACTS
// section 1). The 2026 panel is settings-2026.js; app.js uses one of them.
'use strict';
window.SimSettings2025 = function (ctx) {
  // ctx: { models(), current() (the chosen model's info or undefined), onModelPicked(id) }
  const $ = (sel) => document.querySelector(sel);
  const modelName = $('[data-test-id="model-name"]');
  const modelSelect = $('#model-select');
  const temperatureInput = $('ms-slider[data-setting="temperature"] input[type="number"]');
  const topPInput = $('ms-slider[data-setting="top-p"] input[type="number"]');
  const maxTokensInput = $('input[aria-label="Maximum output tokens"]');
  const stopInput = $('input[aria-label="Add stop token"]');
  const chipGrid = $('mat-chip-grid.stop-sequences');
  const thinkingSettings = $('.thinking-settings');
  const thinkingTemplate = thinkingSettings ? thinkingSettings.innerHTML : '';
  const budgetInput = () => $('input[aria-label="Thinking budget"]');

  document.querySelectorAll('ms-slider').forEach((slider) => {
    const range = slider.querySelector('input[type="range"]');
    const num = slider.querySelector('input[type="number"]');
    range.addEventListener('input', () => { num.value = range.value; });
    const sync = () => { range.value = num.value; };
    num.addEventListener('input', sync);
    num.addEventListener('change', sync);
  });
  modelSelect.addEventListener('change', () => ctx.onModelPicked(modelSelect.value));

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

  function toggleOn(name) {
    const sw = document.querySelector(`mat-slide-toggle[data-test-toggle="${name}"] button[role="switch"]`);
    return !!sw && sw.getAttribute('aria-checked') === 'true';
  }
  function numberOr(input, fallback) {
    const v = parseFloat(input && input.value);
    return Number.isFinite(v) ? v : fallback;
  }

  return {
    applyModel(m) {
      modelName.textContent = m.displayName;
      modelName.setAttribute('data-model-id', m.id);
      modelName.setAttribute('title', 'models/' + m.id);
      modelSelect.innerHTML = '';
      for (const x of ctx.models()) {
        const opt = document.createElement('option');
        opt.value = x.id;
        opt.textContent = x.displayName;
        modelSelect.appendChild(opt);
      }
      modelSelect.value = m.id;
      maxTokensInput.value = String(m.maxOutputTokens);
      maxTokensInput.max = String(m.maxOutputTokens);
      // Models without thinking have no thinking toggles at all.
      thinkingSettings.hidden = !m.thinking;
      if (!m.thinking) thinkingSettings.innerHTML = '';
      else if (!thinkingSettings.querySelector('mat-slide-toggle')) thinkingSettings.innerHTML = thinkingTemplate;
    },
    collect() {
      const m = ctx.current();
      const thinking = !!(m ? m.thinking : true) && toggleOn('enable-thinking');
      const manual = thinking && toggleOn('manual-budget');
      return {
        temperature: numberOr(temperatureInput, 1),
        top_p: numberOr(topPInput, 0.95),
        max_output_tokens: Math.trunc(numberOr(maxTokensInput, m ? m.maxOutputTokens : 65536)),
        stop: stopSequences(),
        thinking: thinking,
        thinking_budget: manual ? Math.trunc(numberOr(budgetInput(), -1)) : -1,
      };
    },
  };
};
