// The 2026 chat chrome (FACTS section 1): the "Temporary chat" toggle (off:
// after an answer the URL becomes /prompts/<id> and a reload brings the
// saved prompt back; on: nothing is saved and the URL stays /new_chat), a
// New chat button that is disabled on /new_chat and confirms with
// `button.ms-button-primary`, and now and then an A/B preference vote that
// blocks the prompt until it is answered or skipped.
'use strict';
window.SimChat2026 = (function () {
  const NEW_CHAT = '/prompts/new_chat';
  const SAVED_KEY = 'simSavedPrompts';
  const TEMP_KEY = 'simTemporaryChat';
  const COUNT_KEY = 'simAnswers';
  let ctx = null;
  const $ = (sel) => document.querySelector(sel);

  const temporary = () => sessionStorage.getItem(TEMP_KEY) === 'true';
  function saved() {
    try { return JSON.parse(localStorage.getItem(SAVED_KEY) || '{}'); } catch (e) { return {}; }
  }
  function updateNewChat() {
    $('button[aria-label="New chat"]').disabled = location.pathname === NEW_CHAT;
  }
  function updateTemporary() {
    const b = $('button[aria-label="Temporary chat toggle"]');
    b.setAttribute('aria-pressed', temporary() ? 'true' : 'false');
    b.classList.toggle('active', temporary());
  }

  function init(c) {
    ctx = c;
    const id = location.pathname.startsWith('/prompts/') ? location.pathname.slice(9) : '';
    const keep = saved()[id];
    if (id && id !== 'new_chat' && keep) ctx.turns.innerHTML = keep;
    updateNewChat();
    updateTemporary();
    $('button[aria-label="Temporary chat toggle"]').addEventListener('click', () => {
      sessionStorage.setItem(TEMP_KEY, temporary() ? 'false' : 'true');
      updateTemporary();
    });
    $('button[aria-label="New chat"]').addEventListener('click', (e) => {
      if (e.currentTarget.disabled || ctx.overlay.querySelector('.dialog-pane')) return;
      const pane = document.createElement('div');
      pane.className = 'cdk-overlay-pane dialog-pane';
      pane.innerHTML =
        '<mat-dialog-container role="dialog" class="mat-mdc-dialog-container">' +
        '<h2 class="mat-mdc-dialog-title">Discard unsaved changes?</h2>' +
        '<div class="mat-mdc-dialog-actions">' +
        '<button type="button" class="ms-button-borderless">Cancel</button> ' +
        '<button type="button" class="ms-button-primary">Discard and continue</button>' +
        '</div></mat-dialog-container>';
      ctx.overlay.appendChild(pane);
      pane.querySelector('.ms-button-borderless').addEventListener('click', () => pane.remove());
      pane.querySelector('.ms-button-primary').addEventListener('click', () => {
        pane.remove();
        ctx.clearChat();
        history.pushState(null, '', NEW_CHAT);
        updateNewChat();
      });
    });
  }

  function saveChat() {
    let id = location.pathname.slice(9);
    if (location.pathname === NEW_CHAT) {
      id = Math.random().toString(36).slice(2, 14);
      history.replaceState(null, '', '/prompts/' + id);
      updateNewChat();
    }
    const all = saved();
    all[id] = ctx.turns.innerHTML;
    localStorage.setItem(SAVED_KEY, JSON.stringify(all));
  }

  function showVote(turn) {
    const every = parseInt(document.documentElement.dataset.preferenceVoteEvery || '0', 10);
    const n = parseInt(sessionStorage.getItem(COUNT_KEY) || '0', 10) + 1;
    sessionStorage.setItem(COUNT_KEY, String(n));
    if (!(every > 0 && n % every === 0)) return;
    const vote = document.createElement('ms-preference-vote');
    vote.innerHTML =
      '<div class="vote-title">Which response do you prefer?</div>' +
      '<div class="vote-candidates"><div class="vote-candidate">Response 1</div>' +
      '<div class="vote-candidate">Response 2</div></div>' +
      '<button type="button" aria-label="Response 1 is better">1 is better</button> ' +
      '<button type="button" aria-label="Response 2 is better">2 is better</button> ' +
      '<button type="button" aria-label="Skip preference vote">Skip</button>';
    vote.querySelectorAll('.vote-candidate')[0].textContent = turn.box.textContent;
    turn.turn.after(vote);
    ctx.textarea.disabled = true;
    ctx.updateRunButton();
    vote.querySelectorAll('button').forEach((b) => b.addEventListener('click', () => {
      vote.remove();
      ctx.textarea.disabled = false;
      ctx.updateRunButton();
    }));
  }

  function answered(turn) {
    if (!temporary()) saveChat();
    showVote(turn);
  }

  return { init, answered };
})();
