// How the site's page reads a GenerateContent body (FACTS section 1): the
// chunk list wrapped twice, `[[chunk, ..., meta]]`, each chunk rendered as
// soon as its bytes are here; a part's kind comes from its field positions.
'use strict';
window.SimWire = (function () {
  // Splits out the list's elements (two levels down) as they complete.
  function chunkListParser() {
    let buf = '', pos = 0, depth = 0, inString = false, escaped = false, start = -1;
    return function push(text) {
      buf += text;
      const out = [];
      for (; pos < buf.length; pos++) {
        const c = buf[pos];
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
          continue;
        }
        if (c === '"') { inString = true; continue; }
        if (c === '[' || c === '{') {
          depth++;
          if (depth === 3) start = pos;
        } else if (c === ']' || c === '}') {
          depth--;
          if (depth === 2) out.push(JSON.parse(buf.slice(start, pos + 1)));
        }
      }
      return out;
    };
  }

  // chunk = [candidates, promptFeedback, usage, ...]; candidate = [content,
  // finishReason, , finishMessage]; content = [parts, "model"]; a part has its
  // text at 1, a thought flag at 12, a function call at 10.
  // Returns {parts: [{text, thought}], calls: [[name, args]], finish, message}.
  function readChunk(chunk) {
    const r = { parts: [], calls: [], finish: 0, message: '' };
    if (!Array.isArray(chunk)) return r;
    for (const cand of chunk[0] || []) {
      const parts = (Array.isArray(cand[0]) && cand[0][0]) || [];
      for (const part of parts) {
        if (!Array.isArray(part)) continue;
        if (Array.isArray(part[10])) r.calls.push(part[10]);
        if (typeof part[1] !== 'string' || part[1] === '') continue;
        r.parts.push({ text: part[1], thought: part[12] === 1 });
      }
      if (typeof cand[1] === 'number') r.finish = cand[1];
      if (typeof cand[3] === 'string') r.message = cand[3];
    }
    if (Array.isArray(chunk[1]) && chunk[1].length) {
      r.finish = 8;
      r.message = r.message || 'The prompt was blocked.';
    }
    return r;
  }

  // `[[code, "message"]]` (or once wrapped): an error instead of an answer.
  function errorPair(body) {
    try {
      const v = JSON.parse(body);
      const list = Array.isArray(v) && v.length === 1 && Array.isArray(v[0]) ? v[0] : v;
      if (Array.isArray(list) && typeof list[0] === 'number' && typeof list[1] === 'string')
        return { code: list[0], message: list[1] };
    } catch (e) { /* not a complete document */ }
    return null;
  }

  // A call's arguments (a protobuf Struct in array form, its field list
  // wrapped once) as plain JSON, for the page to show. A value's length
  // gives its type: 1 null, 2 number, 3 string, 4 bool (1 = true),
  // 5 object (fields at [4]), 6 list (items, wrapped once, at [5]).
  function structFields(fields) {
    const out = {};
    for (const f of fields || []) if (Array.isArray(f)) out[f[0]] = structValue(f[1]);
    return out;
  }
  function structValue(v) {
    if (!Array.isArray(v)) return null;
    switch (v.length) {
      case 2: return v[1];
      case 3: return v[2];
      case 4: return v[3] === 1;
      case 5: return structFields(v[4]);
      case 6: return ((v[5] && v[5][0]) || []).map(structValue);
      default: return null;
    }
  }
  const callArguments = (args) => structFields(Array.isArray(args) ? args[0] : null);

  return { chunkListParser, readChunk, errorPair, callArguments };
})();
