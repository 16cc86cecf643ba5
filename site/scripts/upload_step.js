// One step of uploading files (FACTS section 5). 'menu' opens the add-media
// menu and reports whether its upload item's file input is there; 'settle'
// deals with what follows the choice: a consent dialog (its button is
// clicked), then a backdrop left over the page (Escape, then a click on it).
// args: {s: attachment selectors, action} ->
//   'menu':   'no button' | 'clicked' | 'ready' (the file input exists)
//   'settle': 'consent' | 'backdrop' | 'clear'
(args) => {
  const s = args.s;
  const input = `${s.upload_item} ${s.file_input}`;
  if (args.action === 'menu') {
    if (document.querySelector(`${s.menu} ${input}`) || document.querySelector(input)) return 'ready';
    const b = q(s.add_button);
    if (!b) return 'no button';
    b.click();
    return 'clicked';
  }
  for (const d of document.querySelectorAll(s.consent_dialog)) {
    const ok = Array.from(d.querySelectorAll('button'))
        .find((b) => s.consent_texts.includes(b.textContent.trim()));
    if (ok) {
      ok.click();
      return 'consent';
    }
  }
  const backdrop = document.querySelector(s.backdrop);
  if (backdrop) {
    document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', code: 'Escape', bubbles: true}));
    if (document.querySelector(s.backdrop)) backdrop.click();
    return 'backdrop';
  }
  return 'clear';
}
