// Presses the stop button when there is one.
// args: {stop_button: [selector]} -> whether it was there
(args) => {
  const b = q(args.stop_button);
  if (b) {
    b.click();
    return true;
  }
  return false;
}
