// Removes one stop-token chip (when remove is set) and counts those left.
// args: {chip, remove_button, remove} -> count
(args) => {
  if (args.remove) {
    const b = document.querySelector(args.remove_button);
    if (b) b.click();
  }
  return document.querySelectorAll(args.chip).length;
}
