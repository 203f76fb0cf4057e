// live.js - the live updates of GET /v1/stream (server-sent events): one
// EventSource per page, handlers per event kind ('ticket' {id, what},
// 'delivery' {id, ticket_id, state}, 'queue' {queue, ticket_id}, 'resync'
// {}: changes may have been missed, read again), reconnecting with a
// growing pause after the stream ends (the broker ends it at its cap, on
// restart, or when the key or session ends).
//   const live = connect({ticket: (data) => ..., status: (on) => ...});
//   live.close();
const MAX_PAUSE_MS = 30000;

export function connect(handlers = {}, url = '/v1/stream') {
  let source = null;
  let pause = 1000;
  let timer = null;
  let closed = false;

  const open = () => {
    source = new EventSource(url, { withCredentials: true });
    source.addEventListener('open', () => {
      pause = 1000;
      handlers.status?.(true);
    });
    for (const kind of ['ticket', 'delivery', 'queue', 'resync']) {
      source.addEventListener(kind, (ev) => {
        let data = null;
        try { data = JSON.parse(ev.data); } catch { return; }
        handlers[kind]?.(data);
      });
    }
    source.addEventListener('error', () => {
      handlers.status?.(false);
      source.close();
      if (closed) return;
      timer = setTimeout(open, pause);
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    });
  };
  open();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}
