// Stores the model preference the page reads when it loads.
// args: {pref_key, pref_field, value}
(args) => {
  let p = {};
  try {
    p = JSON.parse(localStorage.getItem(args.pref_key) || '{}') || {};
  } catch (x) {
    p = {};
  }
  if (typeof p !== 'object' || Array.isArray(p)) p = {};
  p[args.pref_field] = args.value;
  localStorage.setItem(args.pref_key, JSON.stringify(p));
  return true;
}
