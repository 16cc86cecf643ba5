// Installed before the page's own scripts: wraps fetch and XMLHttpRequest
// and posts what the page sees of each request whose URL contains url_part
// to the driver through the binding, as JSON messages
//   {id, kind: 'request' | 'response' | 'body' | 'finished' | 'failed' |
//    'body_unavailable', status?, data?}
// (site/answer_source.cpp reads them). Works the same in every protocol:
// a CDP binding or a BiDi channel.
// args: {binding, url_part}
(args) => {
  if (window.__camoufleet_hooked) return;
  window.__camoufleet_hooked = true;
  let next = 0;
  const post = (m) => {
    try {
      window[args.binding](JSON.stringify(m));
    } catch (e) {
    }
  };
  const watched = (url, method) =>
    String(url).includes(args.url_part) && String(method || 'GET').toUpperCase() !== 'OPTIONS';

  const fetch0 = window.fetch;
  if (fetch0) {
    window.fetch = function (input, init) {
      const url = typeof input === 'string' ? input : (input && input.url) || String(input);
      const method = (init && init.method) || (input && input.method) || 'GET';
      const p = fetch0.apply(this, arguments);
      if (!watched(url, method)) return p;
      const id = 'hook-' + ++next;
      post({id, kind: 'request'});
      return p.then(
        (res) => {
          post({id, kind: 'response', status: res.status});
          let reader;
          try {
            reader = res.clone().body.getReader();
          } catch (e) {
            post({id, kind: 'body_unavailable', data: String(e)});
            return res;
          }
          const decoder = new TextDecoder();
          const pump = () =>
            reader.read().then(
              ({done, value}) => {
                if (done) {
                  const rest = decoder.decode();
                  if (rest) post({id, kind: 'body', data: rest});
                  post({id, kind: 'finished'});
                  return;
                }
                post({id, kind: 'body', data: decoder.decode(value, {stream: true})});
                return pump();
              },
              (e) => post({id, kind: 'failed', data: String((e && e.name) || e)}));
          pump();
          return res;
        },
        (e) => {
          post({id, kind: 'failed', data: String((e && e.name) || e)});
          throw e;
        });
    };
  }

  const proto = XMLHttpRequest.prototype;
  const open0 = proto.open;
  const send0 = proto.send;
  proto.open = function (method, url) {
    this.__camoufleet = watched(url, method) ? {id: 'hook-' + ++next, seen: 0, head: false} : null;
    return open0.apply(this, arguments);
  };
  proto.send = function () {
    const h = this.__camoufleet;
    if (h) {
      post({id: h.id, kind: 'request'});
      const flush = () => {
        if (!h.head && this.readyState >= 2) {
          h.head = true;
          post({id: h.id, kind: 'response', status: this.status});
        }
        if (this.readyState >= 3 && (this.responseType === '' || this.responseType === 'text')) {
          const t = this.responseText || '';
          if (t.length > h.seen) {
            post({id: h.id, kind: 'body', data: t.slice(h.seen)});
            h.seen = t.length;
          }
        }
      };
      this.addEventListener('readystatechange', flush);
      this.addEventListener('progress', flush);
      this.addEventListener('load', () => {
        flush();
        post({id: h.id, kind: 'finished'});
      });
      for (const what of ['error', 'abort', 'timeout'])
        this.addEventListener(what, () => post({id: h.id, kind: 'failed', data: what}));
    }
    return send0.apply(this, arguments);
  };
}
