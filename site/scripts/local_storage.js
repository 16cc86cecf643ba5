// The page origin's localStorage. -> {origin, items: [[key, value]]}
() => {
  const items = [];
  for (let i = 0; i < localStorage.length; ++i) {
    const k = localStorage.key(i);
    items.push([k, localStorage.getItem(k)]);
  }
  return {origin: location.origin, items};
}
