// Tasks: running and recent task runs, kept up to date by GET /api/v1/tasks/events
// (Server-Sent Events), and one run's whole log (#/tasks?run=ID).
import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { bytes, dateTime, duration, stateBadge } from '../format.js';
import { logLine, logView } from './snapshot-tasks.js';

const LIMIT = 200;

export async function render(root, { params, go }) {
  const runId = params.get('run');
  const state = { runs: [], subjects: new Map(), detail: null };
  const live = h('span', { class: 'badge badge-neutral', id: 'live-status', text: 'connecting…' });
  const body = h('div', { id: 'tasks-body' });
  root.appendChild(h('header', { class: 'page-head' },
    h('h1', { text: runId ? 'Task run' : 'Tasks' }),
    runId ? h('a', { href: '#/tasks', class: 'muted', text: '← all runs' })
      : h('p', { class: 'muted', text: 'Running and recent runs of snapshot tasks and other jobs.' }),
    h('div', { class: 'page-actions' }, live)));
  root.appendChild(body);
  const verification = h('section', { class: 'section', id: 'verification' });
  if (!runId) root.appendChild(verification);

  // What a snapshot task's id means to people: its dataset.
  try {
    for (const v of await api('GET', '/snapshot-tasks')) state.subjects.set('snapshot:' + v.task.id, v.task.dataset);
  } catch {
    // The list still shows the raw subjects.
  }
  const subjectText = (run) => state.subjects.get(run.kind + ':' + run.subject) || run.subject;
  const took = (run) => duration((run.endedAt ? new Date(run.endedAt) : new Date()) - new Date(run.startedAt));

  function stateCell(run) {
    return h('span', { class: 'badge badge-' + stateBadge(run.state), dataset: { state: run.state }, text: run.state.toLowerCase() });
  }

  // The list.
  const tbody = h('tbody', {});
  function row(run) {
    return h('tr', { class: 'clickable' + (run.state === 'FAILED' || run.state === 'INTERRUPTED' ? ' row-failed' : ''),
      dataset: { run: run.id, state: run.state }, onclick: () => go('/tasks', { run: run.id }) },
      h('td', { class: 'when', text: dateTime(run.startedAt) }),
      h('td', {}, h('span', { class: 'kind', text: run.kind })),
      h('td', { class: 'mono', text: subjectText(run) }),
      h('td', {}, stateCell(run)),
      h('td', { class: 'num duration', text: took(run) }),
      h('td', { class: 'run-result-text', title: run.result, text: run.result }));
  }
  function drawList() {
    clear(body);
    if (!state.runs.length) {
      body.appendChild(h('div', { class: 'card' }, h('p', { class: 'empty', id: 'no-runs', text: 'No task has run yet.' })));
      return;
    }
    clear(tbody).append(...state.runs.map(row));
    const running = state.runs.filter((r) => r.state === 'RUNNING').length;
    body.appendChild(h('div', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', { text: 'Runs' }),
        h('span', { class: 'muted small', id: 'runs-count', text: state.runs.length + ' shown' + (running ? ', ' + running + ' running' : '') })),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'run-table' },
        h('thead', {}, h('tr', {}, ['Started', 'Kind', 'Subject', 'State', 'Duration', 'Result'].map((t, i) => h('th', { class: i === 4 ? 'num' : null, text: t })))),
        tbody))));
  }

  // One run.
  let logBox = null;
  function drawDetail() {
    const run = state.detail;
    clear(body);
    logBox = logView(run.log || []);
    logBox.id = 'run-log';
    body.appendChild(h('div', { class: 'card', id: 'run-detail', dataset: { run: run.id, state: run.state } },
      h('div', { class: 'detail-head' }, stateCell(run), h('h2', { class: 'mono', text: subjectText(run) }), h('span', { class: 'kind', text: run.kind })),
      h('p', { class: 'run-result-text', id: 'run-result-text', text: run.result }),
      h('dl', { class: 'props props-inline' },
        h('div', {}, h('dt', { text: 'Started' }), h('dd', { text: dateTime(run.startedAt) })),
        h('div', {}, h('dt', { text: 'Ended' }), h('dd', { text: run.endedAt ? dateTime(run.endedAt) : '–' })),
        h('div', {}, h('dt', { text: 'Duration' }), h('dd', { class: 'duration', text: took(run) })),
        h('div', {}, h('dt', { text: 'Run id' }), h('dd', { class: 'mono', text: run.id })))));
    body.appendChild(h('div', { class: 'card' }, h('h2', { text: 'Log' }), logBox));
  }

  async function load() {
    if (runId) {
      state.detail = await api('GET', '/tasks/' + encodeURIComponent(runId));
      drawDetail();
    } else {
      state.runs = await api('GET', '/tasks', { query: { limit: LIMIT } });
      drawList();
    }
  }

  // Live updates.
  function onEvent(ev) {
    let e;
    try {
      e = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (runId) {
      if (e.id !== runId || !state.detail) return;
      if (e.type === 'log') {
        if (!logBox.querySelector('.log-line')) clear(logBox);
        logBox.appendChild(logLine(e));
        state.detail.log = [...(state.detail.log || []), e];
      } else if (e.type === 'end') {
        Object.assign(state.detail, { state: e.state, endedAt: e.endedAt, result: e.result });
        drawDetail();
      }
      return;
    }
    if (e.type === 'start') {
      state.runs = [{ id: e.id, kind: e.kind, subject: e.subject, state: e.state, startedAt: e.startedAt, endedAt: null, result: e.result },
        ...state.runs.filter((r) => r.id !== e.id)].slice(0, LIMIT);
      drawList();
    } else if (e.type === 'end') {
      const r = state.runs.find((x) => x.id === e.id);
      if (r) {
        Object.assign(r, { state: e.state, endedAt: e.endedAt, result: e.result });
        drawList();
      }
    }
  }

  await load();
  const source = new EventSource('/api/v1/tasks/events');
  let opened = false;
  // "ready" comes once the server has subscribed this connection.
  source.addEventListener('ready', () => {
    live.className = 'badge badge-ok';
    live.textContent = 'live';
    // After a reconnect, catch up on what happened while disconnected.
    if (opened) load().catch(() => {});
    opened = true;
  });
  source.addEventListener('error', () => {
    // The browser retries on its own unless the server refused (e.g. the session ended).
    const closed = source.readyState === EventSource.CLOSED;
    live.className = 'badge badge-' + (closed ? 'danger' : 'warn');
    live.textContent = closed ? 'not live: reload the page' : 'reconnecting…';
  });
  for (const type of ['start', 'log', 'end']) source.addEventListener(type, onEvent);
  // What every received replication stream verified (frames, digests), newest first.
  async function loadVerification() {
    let reports;
    try {
      reports = await api('GET', '/verification', { query: { limit: 50 } });
    } catch (e) {
      clear(verification).appendChild(h('div', { class: 'card' }, h('p', { class: 'form-error', text: e.message })));
      return;
    }
    const ok = reports.filter((r) => r.result === 'ok').length;
    clear(verification).appendChild(h('div', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', { text: 'Stream verification' }),
        h('span', { class: 'muted small', id: 'verification-count',
          text: reports.length ? ok + ' of ' + reports.length + ' verified' : '' })),
      reports.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', id: 'verification-table' },
        h('thead', {}, h('tr', {}, ['Received', 'Target', 'Snapshots', 'Frames', 'Payload', 'On the wire', 'Digest', 'Took', 'Result']
          .map((t, i) => h('th', { class: i >= 3 && i <= 5 || i === 7 ? 'num' : null, text: t })))),
        h('tbody', {}, reports.map((r) => h('tr', { class: r.result === 'ok' ? null : 'row-failed', dataset: { target: r.target, result: r.result } },
          h('td', { class: 'when', text: dateTime(r.time) }),
          h('td', { class: 'mono', text: r.target }),
          h('td', { class: 'mono small', title: r.received.join('\n'), text: r.received.length === 1 ? r.received[0].slice(r.received[0].indexOf('@'))
            : r.received.length + ' snapshots' }),
          h('td', { class: 'num', title: r.resentFrames ? r.resentFrames + ' damaged frame(s) were sent again' : null,
            text: String(r.frames) + (r.resentFrames ? ' (' + r.resentFrames + ' sent again)' : '') }),
          h('td', { class: 'num', text: bytes(r.payloadBytes) }),
          h('td', { class: 'num', text: bytes(r.wireBytes) }),
          h('td', { class: 'mono small', title: r.digest, text: (r.digest || '').slice(0, 12) }),
          h('td', { class: 'num', text: duration(r.millis) }),
          h('td', {}, h('span', { class: 'badge badge-' + (r.result === 'ok' ? 'ok' : 'danger'), title: r.result,
            text: r.result === 'ok' ? 'verified' : 'failed' })))))))
        : h('p', { class: 'empty', id: 'no-verification', text: 'No replication stream was received yet.' })));
  }
  if (!runId) {
    await loadVerification();
    source.addEventListener('end', (ev) => {
      try {
        if (JSON.parse(ev.data).kind === 'replication') loadVerification();
      } catch {
        // Not for us.
      }
    });
  }

  // Running runs' durations tick.
  const timer = setInterval(() => {
    for (const tr of body.querySelectorAll('tr[data-state=RUNNING]')) {
      const r = state.runs.find((x) => x.id === tr.dataset.run);
      if (r) tr.querySelector('.duration').textContent = took(r);
    }
    if (state.detail && state.detail.state === 'RUNNING') {
      const d = body.querySelector('#run-detail .duration');
      if (d) d.textContent = took(state.detail);
    }
  }, 1000);
  return () => {
    source.close();
    clearInterval(timer);
  };
}
