// Removes one stop-token chip (when remove is set) and counts those left.
// args: {chip: [selector], remove_button: [selector], remove} -> count
(args) => {
  if (args.remove) {
    const chip = q(args.chip);
    const b = (chip && q(args.remove_button, chip)) || q(args.remove_button);
    if (b) b.click();
  }
  return qa(args.chip).length;
}
