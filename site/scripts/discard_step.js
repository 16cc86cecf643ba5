// One step of clearing the chat: presses the confirmation button when the
// dialog shows it (-1), else counts the turns left.
// args: {dialog_buttons, discard_text, turn_root} -> -1 | count
(args) => {
  for (const b of document.querySelectorAll(args.dialog_buttons)) {
    if (b.textContent.trim().includes(args.discard_text)) {
      b.click();
      return -1;
    }
  }
  return document.querySelectorAll(args.turn_root).length;
}
