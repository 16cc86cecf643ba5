// Marks the current document, so that a wait can tell a reloaded one apart.
() => {
  window.__camoufleet_old_document = true;
  return true;
}
