// Presses New chat. args: {button} -> whether it was there
(args) => {
  const b = document.querySelector(args.button);
  if (!b) return false;
  b.click();
  return true;
}
