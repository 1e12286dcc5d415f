// Overview: pools and their space, snapshot tasks' last and next runs (failures first), the
// daemon's services.
import { api } from '../api.js';
import { h } from '../dom.js';
import { bytes, percent } from '../format.js';
import { failuresFirst, lastRunCell, nextRunCell } from './snapshot-tasks.js';

export async function render(root) {
  const [pools, status, tasks] = await Promise.all([api('GET', '/pools'), api('GET', '/status'), api('GET', '/snapshot-tasks')]);
  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'Dashboard' }),
    h('p', { class: 'muted', text: 'snapferry ' + status.version })));

  const poolCards = pools.length === 0
    ? [h('p', { class: 'empty', text: 'No pools. Create a ZFS pool or configure the embedded store, then reload.' })]
    : pools.map(poolCard);
  root.appendChild(h('section', { class: 'section' }, h('h2', { text: 'Pools' }),
    h('div', { class: 'cards', id: 'pools' }, poolCards)));

  const taskRows = failuresFirst(tasks).map((v) => h('tr', { dataset: { task: v.task.id } },
    h('td', {}, h('a', { class: 'mono', href: '#/snapshot-tasks', text: v.task.dataset }),
      h('div', { class: 'muted small', text: v.scheduleDescription })),
    h('td', { class: 'last-run' }, lastRunCell(v.lastRun)),
    h('td', {}, nextRunCell(v))));
  root.appendChild(h('section', { class: 'section' }, h('h2', { text: 'Snapshot tasks' }),
    h('div', { class: 'card' }, taskRows.length
      ? h('table', { class: 'table', id: 'dashboard-tasks' },
        h('thead', {}, h('tr', {}, h('th', { text: 'Dataset' }), h('th', { text: 'Last run' }), h('th', { text: 'Next run' }))),
        h('tbody', {}, taskRows))
      : h('p', { class: 'empty', id: 'dashboard-no-tasks' }, 'No snapshot tasks. ', h('a', { href: '#/snapshot-tasks?new=1', text: 'Create one' }), '.'))));

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
