// One step of clearing the chat: presses the confirmation button when the
// dialog shows it (-1), else counts the turns left.
// args: {dialog_buttons: [selector], discard_text, turn_root: [selector]} -> -1 | count
(args) => {
  for (const sel of args.dialog_buttons) {
    for (const b of allOf(document, sel)) {
      if (b.textContent.trim().includes(args.discard_text)) {
        b.click();
        return -1;
      }
    }
  }
  return qa(args.turn_root).length;
}
