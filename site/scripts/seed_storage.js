// Installed before the page's own scripts: puts the auth profile's
// localStorage items in place, on the first document of their origin only
// (later writes, such as a model switch, must survive reloads).
// args: {origin, items: [[key, value]]}
(args) => {
  try {
    if (location.origin !== args.origin) return;
    if (sessionStorage.getItem('__camoufleet_seeded')) return;
    for (const [k, v] of args.items) localStorage.setItem(k, v);
    sessionStorage.setItem('__camoufleet_seeded', '1');
  } catch (e) {
  }
}
