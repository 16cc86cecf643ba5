// Stops a running generation: presses the Stop button, or on pages without
// one presses Run again while it shows its spinner (never an idle Run: that
// would send the prompt box).
// args: {s: {stop_button, run_spinner, run_button}} -> whether it pressed one
(args) => {
  const b = q(args.s.stop_button) || (q(args.s.run_spinner) && q(args.s.run_button));
  if (b) {
    b.click();
    return true;
  }
  return false;
}
