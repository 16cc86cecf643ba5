// The model the page shows, and the one its stored preference names.
// args: {model_name: [selector], pref_key, pref_field} -> {shown, pref}
(args) => {
  const e = q(args.model_name);
  let pref = null;
  try {
    pref = JSON.parse(localStorage.getItem(args.pref_key))[args.pref_field];
  } catch (x) {
  }
  return {shown: e ? e.textContent : '', pref: typeof pref === 'string' ? pref : ''};
}
