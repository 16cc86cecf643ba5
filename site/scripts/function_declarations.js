// One step of setting the page's function declarations (FACTS section 5):
// the tool box's edit button opens the "Function declarations" dialog, its
// "Code Editor" tab shows a textarea that takes the declarations as JSON,
// Save closes the dialog (a refused schema leaves it open with the reason).
// args: {s: function_calling selectors, action, text} ->
//   action 'probe': 'absent' (no tool box: the model has no function calling) | 'present'
//   action 'open':  'absent' (no tool box) | 'no edit button' | 'open' | 'clicked'
//   action 'fill':  'no dialog' | 'tab clicked' | 'no editor' | 'filled'
//   action 'save':  'no dialog' | 'no save button' | 'clicked'
//   action 'state': {open: bool, text: the dialog's text}
//   action 'close': whether a close button was pressed
(args) => {
  const s = args.s;
  const box = document.querySelector(s.box);
  const dialogs = Array.from(document.querySelectorAll(s.dialog));
  const dialog = dialogs.find((d) => d.querySelector(s.editor) ||
      Array.from(d.querySelectorAll(s.tab)).some((t) => t.textContent.trim() === s.code_tab_text));
  if (args.action === 'probe') return box ? 'present' : 'absent';
  if (args.action === 'open') {
    if (!box) return 'absent';
    if (dialog) return 'open';
    const b = box.querySelector(s.edit_button) || document.querySelector(s.edit_button);
    if (!b) return 'no edit button';
    b.click();
    return 'clicked';
  }
  if (args.action === 'state') return {open: !!dialog, text: dialog ? dialog.textContent.trim() : ''};
  if (!dialog) return 'no dialog';
  if (args.action === 'close') {
    const c = dialog.querySelector(s.close_button);
    if (c) c.click();
    return !!c;
  }
  if (args.action === 'save') {
    const b = dialog.querySelector(s.save_button);
    if (!b) return 'no save button';
    b.click();
    return 'clicked';
  }
  const editor = dialog.querySelector(s.editor);
  if (!editor) {
    const tab = Array.from(dialog.querySelectorAll(s.tab)).find((t) => t.textContent.trim() === s.code_tab_text);
    if (!tab) return 'no editor';
    tab.click();
    return 'tab clicked';
  }
  const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;
  editor.focus();
  setter.call(editor, args.text);
  editor.dispatchEvent(new Event('input', {bubbles: true}));
  editor.dispatchEvent(new Event('change', {bubbles: true}));
  return editor.value === args.text ? 'filled' : 'no editor';
}
