// The model the page shows, and the one its stored preference names.
// args: {model_name: [selector], pref_key, pref_field} -> {shown, pref}
(args) => modelOf(args)
