// Overview: pools and their space, what runs now (with the progress of running replications),
// snapshot and replication tasks' last and next runs (failures first), the daemon's services.
import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { bytes, percent } from '../format.js';
import { failuresFirst, lastRunCell, nextRunCell } from './snapshot-tasks.js';
import { progressView } from './replication.js';

const POLL_MS = 2000;

export async function render(root) {
  const [pools, status, tasks, replications] = await Promise.all([api('GET', '/pools'), api('GET', '/status'),
    api('GET', '/snapshot-tasks'), api('GET', '/replications')]);
  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'Dashboard' }),
    h('p', { class: 'muted', text: 'snapferry ' + status.version })));

  const poolCards = pools.length === 0
    ? [h('p', { class: 'empty', text: 'No pools. Create a ZFS pool or configure the embedded store, then reload.' })]
    : pools.map(poolCard);
  root.appendChild(h('section', { class: 'section' }, h('h2', { text: 'Pools' }),
    h('div', { class: 'cards', id: 'pools' }, poolCards)));

  // Live activity: the task runs going on now, with the progress of replications.
  const activity = h('div', { id: 'activity' });
  root.appendChild(h('section', { class: 'section' }, h('h2', { text: 'Running now' }), h('div', { class: 'card' }, activity)));

  const taskSection = h('div', { class: 'card' });
  const replSection = h('div', { class: 'card' });
  root.appendChild(h('section', { class: 'section' }, h('h2', { text: 'Snapshot tasks' }), taskSection));
  root.appendChild(h('section', { class: 'section' }, h('h2', { text: 'Replication' }), replSection));
  drawTasks(taskSection, replSection, tasks, replications);

  const rows = status.services.map((s) => h('tr', {},
    h('td', { text: s.name }),
    h('td', {}, h('span', { class: 'badge badge-' + stateClass(s.state), text: s.state.toLowerCase() })),
    h('td', { class: 'muted', text: s.why || '' })));
  root.appendChild(h('section', { class: 'section' }, h('h2', { text: 'Services' }),
    h('div', { class: 'card' }, h('table', { class: 'table', id: 'services' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Service' }), h('th', { text: 'State' }), h('th', { text: 'Detail' }))),
      h('tbody', {}, rows)))));

  root.appendChild(h('section', { class: 'section' }, h('h2', { text: 'This box' }),
    h('div', { class: 'card' }, h('dl', { class: 'props' },
      h('dt', { text: 'API address' }), h('dd', { text: status.url }),
      h('dt', { text: 'TLS certificate SHA-256' }), h('dd', { class: 'mono', text: status.certificateSha256 || 'plain HTTP (no TLS)' })))));

  let stopped = false;
  let timer = null;
  let running = '';
  async function poll() {
    try {
      const [runs, progress] = await Promise.all([api('GET', '/tasks', { query: { limit: 50 } }), api('GET', '/replications/progress')]);
      if (stopped) return;
      const now = drawActivity(activity, runs, progress);
      if (now !== running) {
        // A run started or ended: the last runs below change with it.
        const ended = running !== '';
        running = now;
        if (ended) {
          const [t, r] = await Promise.all([api('GET', '/snapshot-tasks'), api('GET', '/replications')]);
          if (!stopped) drawTasks(taskSection, replSection, t, r);
        }
      }
    } catch (e) {
      if (!stopped) clear(activity).appendChild(h('p', { class: 'form-error', text: 'Activity cannot be loaded: ' + e.message }));
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }
  await poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The snapshot and replication tasks with their last and next runs, failures first. */
function drawTasks(taskSection, replSection, tasks, replications) {
  const taskRows = failuresFirst(tasks).map((v) => h('tr', { dataset: { task: v.task.id } },
    h('td', {}, h('a', { class: 'mono', href: '#/snapshot-tasks', text: v.task.dataset }),
      h('div', { class: 'muted small', text: v.scheduleDescription })),
    h('td', { class: 'last-run' }, lastRunCell(v.lastRun)),
    h('td', {}, nextRunCell(v))));
  clear(taskSection).appendChild(taskRows.length
    ? h('table', { class: 'table', id: 'dashboard-tasks' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Dataset' }), h('th', { text: 'Last run' }), h('th', { text: 'Next run' }))),
      h('tbody', {}, taskRows))
    : h('p', { class: 'empty', id: 'dashboard-no-tasks' }, 'No snapshot tasks. ', h('a', { href: '#/snapshot-tasks?new=1', text: 'Create one' }), '.'));

  const byId = new Map(tasks.map((v) => [v.task.id, v]));
  const replRows = replicationsFailuresFirst(replications).map((v) => h('tr', { dataset: { replication: v.task.name } },
    h('td', {}, h('a', { class: 'mono', href: '#/replication', text: v.task.name }),
      h('div', { class: 'muted small', text: v.task.sources.join(', ') + ' → ' + (v.task.connection ? v.task.connection + ':' : '') + v.task.target })),
    h('td', { class: 'last-run' }, lastRunCell(v.lastRun)),
    h('td', {}, replicationNext(v, byId))));
  clear(replSection).appendChild(replRows.length
    ? h('table', { class: 'table', id: 'dashboard-replications' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Replication' }), h('th', { text: 'Last run' }), h('th', { text: 'Next run' }))),
      h('tbody', {}, replRows))
    : h('p', { class: 'empty', id: 'dashboard-no-replications' }, 'No replication tasks. ', h('a', { href: '#/replication?new=1', text: 'Create one' }), '.'));
}

/** Running task runs; a replication's row shows its progress bar. Returns the keys of what runs. */
function drawActivity(el, runs, progress) {
  clear(el);
  const running = (runs || []).filter((r) => r.state === 'RUNNING');
  // Progress can come before the run is listed: show those too.
  const listed = new Set(running.filter((r) => r.kind === 'replication').map((r) => r.subject));
  const extra = Object.keys(progress || {}).filter((name) => !listed.has(name))
    .map((name) => ({ id: 'p-' + name, kind: 'replication', subject: name, startedAt: progress[name].startedAt }));
  const all = [...running, ...extra];
  if (!all.length) {
    el.appendChild(h('p', { class: 'empty', id: 'activity-idle', text: 'Nothing is running.' }));
    return '';
  }
  el.appendChild(h('table', { class: 'table', id: 'activity-table' },
    h('thead', {}, h('tr', {}, h('th', { text: 'Task' }), h('th', { text: 'Progress' }))),
    h('tbody', {}, all.map((r) => {
      const p = r.kind === 'replication' ? progress[r.subject] : null;
      return h('tr', { dataset: { kind: r.kind, subject: r.subject } },
        h('td', {}, h('span', { class: 'tag', text: r.kind }), ' ',
          h('a', { class: 'mono', href: r.id && !String(r.id).startsWith('p-') ? '#/tasks?run=' + encodeURIComponent(r.id) : '#/replication', text: r.subject })),
        h('td', { class: 'progress-cell' }, p ? progressView(p) : h('span', { class: 'muted small', text: 'running' })));
    }))));
  return all.map((r) => r.kind + ':' + r.subject).sort().join(',');
}

function replicationsFailuresFirst(views) {
  const bad = (v) => (v.lastRun && (v.lastRun.state === 'FAILED' || v.lastRun.state === 'INTERRUPTED') ? 0 : 1);
  return [...views].sort((a, b) => bad(a) - bad(b) || a.task.name.localeCompare(b.task.name));
}

/** Its own next run; after a snapshot task: that task's next run; else by hand. */
function replicationNext(v, snapshotTasks) {
  const t = v.task;
  if (!t.enabled) return h('span', { class: 'muted', text: 'disabled' });
  if (t.afterSnapshotTask) {
    const next = t.snapshotTasks.map((id) => snapshotTasks.get(id)).filter((x) => x && x.task.enabled && x.nextRun)
      .map((x) => x.nextRun).sort()[0];
    if (!next) return h('span', { class: 'muted', text: 'after its snapshot task' });
    return h('div', {}, nextRunCell({ task: t, nextRun: next }), h('div', { class: 'muted small', text: 'after its snapshot task' }));
  }
  if (t.schedule) return nextRunCell(v);
  return h('span', { class: 'muted', text: 'by hand only' });
}

function poolCard(p) {
  const s = p.space;
  const used = percent(s.allocated, s.size);
  const bar = h('div', { class: 'bar-fill' + (used > 90 ? ' bar-danger' : used > 75 ? ' bar-warn' : '') });
  bar.style.width = used.toFixed(1) + '%';
  return h('div', { class: 'card pool', dataset: { pool: p.name } },
    h('div', { class: 'pool-head' }, h('h3', { text: p.name }),
      h('span', { class: 'badge badge-' + (s.health === 'ONLINE' ? 'ok' : 'warn'), text: s.health })),
    h('p', { class: 'muted small', text: 'provider: ' + p.provider }),
    h('div', { class: 'bar', role: 'img', 'aria-label': used.toFixed(0) + '% allocated' }, bar),
    h('dl', { class: 'space' },
      h('div', {}, h('dt', { text: 'Size' }), h('dd', { text: bytes(s.size) })),
      h('div', {}, h('dt', { text: 'Allocated' }), h('dd', { text: bytes(s.allocated) + ' (' + used.toFixed(0) + '%)' })),
      h('div', {}, h('dt', { text: 'Free' }), h('dd', { text: bytes(s.free) }))));
}

function stateClass(state) {
  return { RUNNING: 'ok', STARTING: 'info', STOPPING: 'info', NEW: 'info', FAILED: 'danger' }[state] || 'warn';
}
