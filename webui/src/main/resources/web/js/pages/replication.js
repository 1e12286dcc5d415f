// Replication: the list of replication tasks (last run, live progress, run now, enable/disable,
// diff, reinitialize, reverse, edit, delete), the four-step wizard (#/replication?new=1), the
// advanced form with every option (#/replication?advanced=1, ?edit=NAME) and the diff view
// (?diff=NAME).
import { api } from '../api.js';
import { h, clear, formDialog, messageDialog, showError, clearErrors, toast, debounce } from '../dom.js';
import { bytes, duration, wallClock } from '../format.js';
import { lastRunCell, retentionSummary } from './snapshot-tasks.js';

const PRESETS = [
  { name: 'hourly', label: 'Hourly', cron: '0 * * * *' },
  { name: 'daily', label: 'Daily', cron: '0 0 * * *' },
  { name: 'weekly', label: 'Weekly', cron: '0 0 * * 0' },
  { name: 'monthly', label: 'Monthly', cron: '0 0 1 * *' },
  { name: 'custom', label: 'Custom cron', cron: null },
];
const DEFAULT_NAMING = 'auto-%Y-%m-%d_%H-%M';
const NAME_RE = /^[a-z0-9_-]{1,64}$/;

export async function render(root, ctx) {
  const p = ctx.params;
  if (p.has('new')) return renderWizard(root, ctx);
  if (p.has('edit') || p.has('advanced')) return renderAdvanced(root, ctx);
  if (p.has('diff')) return renderDiff(root, ctx);
  return renderList(root, ctx);
}

const enc = encodeURIComponent;
const lower = (s) => String(s || '').toLowerCase().replace('_', '-');

/** "tank/a, tank/b → backup/x" as an element. */
function route(t) {
  return h('div', { class: 'repl-route' },
    h('span', { class: 'mono', text: t.sources.join(', ') }), h('span', { class: 'arrow', 'aria-hidden': 'true', text: ' → ' }),
    h('span', { class: 'mono', text: t.target }));
}

function whenText(t, tasksById) {
  if (t.afterSnapshotTask) {
    const names = t.snapshotTasks.map((id) => tasksById.get(id) || id);
    return 'after snapshot task ' + names.join(', ');
  }
  if (t.schedule) return t.schedule;
  return 'by hand only';
}

function targetRetention(r) {
  if (!r || r.mode === 'NONE') return 'keep all';
  if (r.mode === 'SOURCE') return 'same as source';
  return retentionSummary(r);
}

/**
 * The progress of a running replication (also on the dashboard): a bar with the current step's
 * bytes of its estimated size, the rate and the time left. Without an estimate (a compressed
 * stream, zfs-fuse's incremental sends, a remote source) the bar is indeterminate and the time
 * left says unknown rather than guess; past a short estimate it says unknown too.
 */
export function progressView(p) {
  const known = p.totalBytes !== null && p.totalBytes !== undefined;
  const pct = known && p.totalBytes > 0 ? Math.min(100, (p.bytes / p.totalBytes) * 100) : null;
  const bar = h('div', { class: 'bar bar-progress' + (pct === null ? ' bar-indeterminate' : '') },
    h('div', { class: 'bar-fill', style: pct === null ? null : 'width:' + pct.toFixed(1) + '%' }));
  const parts = [bytes(p.bytes) + (known ? ' of ' + bytes(p.totalBytes) : '')];
  if (p.bytesPerSecond) parts.push(bytes(Math.round(p.bytesPerSecond)) + '/s');
  if (p.etaSeconds !== null && p.etaSeconds !== undefined) parts.push(duration(p.etaSeconds * 1000) + ' left');
  else parts.push(known ? 'time left unknown' : 'time left unknown (no size estimate)');
  if (p.runBytes && p.runBytes > p.bytes) parts.push(bytes(p.runBytes) + ' this run');
  return h('div', { class: 'progress', dataset: { bytes: p.bytes } },
    h('div', { class: 'small mono progress-what', text: p.snapshot && p.snapshot.includes('@') ? p.snapshot : p.dataset + (p.snapshot ? '@' + p.snapshot : '') }),
    bar, h('div', { class: 'small muted', text: parts.join(' · ') }));
}

// ---------------------------------------------------------------------------------------------
// The list

async function renderList(root, { go }) {
  const list = h('div', { id: 'replication-list' });
  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'Replication' }),
    h('p', { class: 'muted', text: 'Snapshots sent to another pool or box, incrementally, with their own retention.' }),
    h('div', { class: 'page-actions' },
      h('button', { type: 'button', class: 'btn', id: 'new-advanced', text: 'Advanced…', onclick: () => go('/replication', { advanced: '1' }) }),
      h('button', { type: 'button', class: 'btn btn-primary', id: 'new-replication', text: 'New replication', onclick: () => go('/replication', { new: '1' }) }))));
  root.appendChild(h('section', { class: 'section' }, h('div', { class: 'card' }, list)));

  const tasksById = new Map();
  try {
    for (const v of await api('GET', '/snapshot-tasks')) tasksById.set(v.task.id, v.task.dataset + ' @' + v.task.naming);
  } catch {
    // Ids stand in for the names.
  }

  let views = [];
  let signature = '';
  const pending = new Map(); // name -> time asked, until a run that started after it shows up
  let timer = null;
  let gone = false;

  async function load() {
    views = await api('GET', '/replications');
    views.sort((a, b) => a.task.name.localeCompare(b.task.name));
    const sig = JSON.stringify(views.map((v) => [v.task, v.lastRun]));
    for (const [name, at] of pending) {
      const v = views.find((x) => x.task.name === name);
      if (!v || (v.lastRun && new Date(v.lastRun.startedAt) >= new Date(at))) pending.delete(name);
    }
    if (sig !== signature || !list.firstChild) {
      signature = sig;
      draw();
    }
    for (const v of views) showProgress(v.task.name, v.progress);
    schedule();
  }

  function running(v) {
    return pending.has(v.task.name) || (v.lastRun && v.lastRun.state === 'RUNNING');
  }

  /** Polls the progress every second while a replication runs (or was just asked to run). */
  function schedule() {
    clearTimeout(timer);
    if (gone) return;
    const active = views.some(running);
    timer = setTimeout(tick, active ? 1000 : 30000);
  }

  async function tick() {
    try {
      if (views.some(running)) {
        const progress = await api('GET', '/replications/progress');
        for (const v of views) showProgress(v.task.name, progress[v.task.name]);
        // A run that ended (or a pending one that started) shows in the list itself.
        const stillRunning = views.filter(running).every((v) => progress[v.task.name] && !pending.has(v.task.name));
        if (!stillRunning) await load();
        else schedule();
      } else {
        await load();
      }
    } catch {
      schedule();
    }
  }

  function showProgress(name, p) {
    const cell = list.querySelector(`tr[data-replication="${CSS.escape(name)}"] .progress-cell`);
    if (!cell) return;
    clear(cell);
    if (p) cell.appendChild(progressView(p));
    else if (pending.has(name)) cell.appendChild(h('span', { class: 'badge badge-info', text: 'starting…' }));
  }

  function draw() {
    clear(list);
    if (!views.length) {
      list.appendChild(h('div', { class: 'empty-state', id: 'no-replications' },
        h('p', { class: 'empty', text: 'No replication tasks yet. The wizard sets one up in four steps: what and where, when, retention on the target, review.' }),
        h('button', { type: 'button', class: 'btn btn-primary', text: 'Set up a replication', onclick: () => go('/replication', { new: '1' }) })));
      return;
    }
    list.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'replication-table' },
      h('thead', {}, h('tr', {}, ['Name', 'Sources → target', 'When', 'Target retention', 'Last run']
        .map((t) => h('th', { text: t })), h('th', { class: 'actions', text: 'Actions' }))),
      h('tbody', {}, views.map(row)))));
  }

  function row(v) {
    const t = v.task;
    const failed = v.lastRun && (v.lastRun.state === 'FAILED' || v.lastRun.state === 'INTERRUPTED');
    const btn = (action, text, onclick, cls = '') => h('button', { type: 'button', class: 'btn btn-small ' + cls, dataset: { action }, text, onclick });
    return h('tr', { class: failed ? 'row-failed' : null, dataset: { replication: t.name } },
      h('td', {}, h('div', { class: 'repl-name', text: t.name }),
        h('div', { class: 'tags' },
          h('span', { class: 'tag', text: lower(t.direction) }),
          h('span', { class: 'tag', text: lower(t.transport) + (t.connection ? ' · ' + t.connection : '') }),
          t.compression !== 'NONE' ? h('span', { class: 'tag', text: lower(t.compression) }) : null,
          t.encryptionKey ? h('span', { class: 'tag', title: 'encrypted with stream key ' + t.encryptionKey, text: 'encrypted · ' + t.encryptionKey }) : null,
          t.enabled ? null : h('span', { class: 'badge badge-neutral', text: 'disabled' }))),
      h('td', {}, route(t), t.recursive ? h('div', { class: 'muted small', text: 'recursive' + (t.exclude.length ? ', excluding ' + t.exclude.join(', ') : '') }) : null),
      h('td', { class: 'small when-cell' }, h('div', { class: t.schedule && !t.afterSnapshotTask ? 'mono nowrap' : null, text: whenText(t, tasksById) }),
        t.window ? h('div', { class: 'muted', text: 'window ' + t.window }) : null),
      h('td', { class: 'small', text: targetRetention(t.retention) }),
      h('td', { class: 'last-run' }, lastRunCell(v.lastRun && v.lastRun.state === 'RUNNING' ? { ...v.lastRun, result: null } : v.lastRun),
        h('div', { class: 'progress-cell' })),
      h('td', { class: 'actions' }, h('div', { class: 'action-grid action-grid-3' },
        btn('run', 'Run now', (ev) => runNow(t, ev.currentTarget)),
        btn(t.enabled ? 'disable' : 'enable', t.enabled ? 'Disable' : 'Enable', () => toggle(t)),
        btn('diff', 'Diff', () => go('/replication', { diff: t.name })),
        btn('edit', 'Edit', () => go('/replication', { edit: t.name })),
        btn('reinitialize', 'Reinitialize', () => reinitialize(t)),
        btn('reverse', 'Reverse', () => reverse(t)),
        btn('delete', 'Delete', () => remove(t), 'btn-danger-ghost'))));
  }

  async function runNow(t, button) {
    button.disabled = true;
    try {
      const r = await api('POST', '/replications/' + enc(t.name) + '/run');
      pending.set(t.name, r.at);
      toast('Started ' + t.name, 'info');
      showProgress(t.name, null);
      schedule();
      clearTimeout(timer);
      timer = setTimeout(tick, 300);
    } catch (e) {
      toast(e.message, 'error');
      button.disabled = false;
    }
  }

  async function toggle(t) {
    try {
      await api('POST', '/replications/' + enc(t.name) + (t.enabled ? '/disable' : '/enable'));
      toast((t.enabled ? 'Disabled ' : 'Enabled ') + t.name, 'ok');
    } catch (e) {
      toast(e.message, 'error');
    }
    await load();
  }

  async function reinitialize(t) {
    const done = await formDialog({
      title: 'Reinitialize ' + t.name,
      intro: h('div', {},
        h('p', {}, 'The target ', h('strong', { class: 'mono', text: t.target }),
          ' will accept this replication as its source again, as after it was set up.'),
        h('p', { text: 'Use it when the target was received from another source (or by hand) and refuses this one. '
          + 'The next run takes the target over: it continues from the newest common snapshot, and when there is none '
          + 'and from-scratch is allowed, it replaces what the target holds.' })),
      submitLabel: 'Reinitialize',
      danger: true,
      onSubmit: () => api('POST', '/replications/' + enc(t.name) + '/reinitialize'),
    });
    if (done) {
      toast('The target now accepts ' + t.name + ': ' + done.claimed.join(', '), 'ok');
      await load();
    }
  }

  async function reverse(t) {
    const done = await formDialog({
      title: 'Reverse ' + t.name + ' (disaster recovery)',
      intro: h('div', {},
        h('p', {}, 'Creates the task ', h('strong', { class: 'mono', text: t.name + '-reverse' }), ' that sends ',
          h('strong', { class: 'mono', text: t.target }), ' back into ', h('strong', { class: 'mono', text: t.sources.join(', ') }), '.'),
        h('p', { text: 'Use it when the source was lost or damaged: the reverse task replaces what the source holds with the '
          + 'target\'s snapshots. It runs only by hand and changes nothing until you run it.' })),
      submitLabel: 'Create reverse task',
      danger: true,
      onSubmit: () => api('POST', '/replications/' + enc(t.name) + '/reverse'),
    });
    if (!done) return;
    await load();
    await messageDialog({
      title: 'Created ' + done.task.name,
      body: h('div', { id: 'reverse-next' },
        h('p', {}, route(done.task)),
        h('ol', { class: 'steps-list' },
          h('li', { text: 'Disable ' + t.name + ' so it does not send while you restore.' }),
          h('li', { text: 'Run ' + done.task.name + ' (Run now) and wait for it to succeed.' }),
          h('li', { text: 'Check the restored data on ' + done.task.target + '.' }),
          h('li', { text: 'Reinitialize ' + t.name + ', enable it again, and delete ' + done.task.name + '.' }))),
    });
  }

  async function remove(t) {
    const done = await formDialog({
      title: 'Delete replication',
      intro: h('p', {}, 'Delete ', h('strong', { class: 'mono', text: t.name }),
        '? It sends no more snapshots. The snapshots on both sides and the holds it placed stay (release them on the Datasets page).'),
      submitLabel: 'Delete',
      danger: true,
      onSubmit: () => api('DELETE', '/replications/' + enc(t.name)),
    });
    if (done) {
      toast('Deleted ' + t.name, 'ok');
      await load();
    }
  }

  await load();
  return () => {
    gone = true;
    clearTimeout(timer);
  };
}

// ---------------------------------------------------------------------------------------------
// The diff view

async function renderDiff(root, { params }) {
  const name = params.get('diff');
  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'Diff of ' + name }),
    h('a', { href: '#/replication', class: 'muted', text: '← all replications' })));
  const body = h('div', { id: 'diff' });
  root.appendChild(body);
  let diff;
  try {
    diff = await api('GET', '/replications/' + enc(name) + '/diff');
  } catch (e) {
    body.appendChild(h('p', { class: 'form-error', text: e.message }));
    return;
  }
  if (!diff.length) body.appendChild(h('div', { class: 'card' }, h('p', { class: 'empty', text: 'No datasets to compare.' })));
  const list = (title, cls, items, empty) => h('div', { class: 'diff-col ' + cls },
    h('h3', { class: 'sub', text: title + ' (' + items.length + ')' }),
    items.length ? h('ul', { class: 'snap-list mono' }, items.map((s) => h('li', { text: '@' + s })))
      : h('p', { class: 'muted small', text: empty }));
  for (const d of diff) {
    const upToDate = !d.sourceOnly.length && !d.targetOnly.length && d.common;
    body.appendChild(h('div', { class: 'card diff-card', dataset: { source: d.source } },
      h('div', { class: 'detail-head' }, h('h2', {}, h('span', { class: 'mono', text: d.source }), ' → ', h('span', { class: 'mono', text: d.target })),
        h('span', { class: 'badge badge-' + (d.targetOnly.length ? 'danger' : upToDate ? 'ok' : 'info'),
          text: d.targetOnly.length ? 'target diverged' : upToDate ? 'up to date' : d.common ? 'behind' : 'not replicated yet' })),
      h('p', { class: 'diff-common' }, 'Common base: ', d.common ? h('strong', { class: 'mono', text: '@' + d.common })
        : h('span', { class: 'muted', text: 'none (the next run sends everything from scratch)' })),
      h('div', { class: 'diff-cols' },
        list('Only on the source', 'source-only', d.sourceOnly, 'Nothing waiting to be sent.'),
        list('Only on the target', 'target-only', d.targetOnly, 'Nothing the source lacks.'))));
  }
}

// ---------------------------------------------------------------------------------------------
// Shared form pieces

function wrap(name, label, input, help) {
  return h('div', { class: 'field', dataset: { field: name } },
    label ? h('label', { for: input.id, text: label }) : null, input, help ? h('p', { class: 'help', text: help }) : null);
}

function check(name, input, label, help) {
  return h('div', { class: 'field field-check', dataset: { field: name } },
    input, h('label', { for: input.id, text: label }), help ? h('p', { class: 'help', text: help }) : null);
}

function radio(group, value, label, checked, help) {
  const id = 'r-' + group + '-' + value;
  return h('label', { class: 'choice', for: id },
    h('input', { type: 'radio', name: group, id, value, checked }),
    h('span', {}, h('strong', { text: label }), help ? h('span', { class: 'help', text: help }) : null));
}

function radioValue(form, group) {
  const r = form.querySelector(`input[name="${group}"]:checked`);
  return r ? r.value : null;
}

const lines = (text) => String(text || '').split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
const opt = (s) => (s && s.trim() ? s.trim() : null);

/** Cron presets and field with the schedule in words and the next runs (the box's time). */
function scheduleEditor(id, value, onWords = () => {}) {
  const input = h('input', { type: 'text', id, name: id, value: value || '', class: 'mono', autocomplete: 'off', spellcheck: 'false' });
  const preview = h('div', { class: 'preview', id: id + '-preview', 'aria-live': 'polite' });
  const buttons = PRESETS.map((p) => h('button', {
    type: 'button', class: 'seg', dataset: { preset: p.name }, text: p.label,
    onclick: () => {
      if (p.cron) input.value = p.cron;
      mark(p.name);
      if (!p.cron) input.focus();
      update();
    },
  }));
  function mark(name) {
    for (const b of buttons) b.classList.toggle('active', b.dataset.preset === name);
  }
  let seq = 0;
  let words = null; // the schedule in words, for the cron text it was made for
  const update = debounce(async () => {
    const mine = ++seq;
    if (!input.value.trim()) {
      clear(preview);
      return;
    }
    try {
      const p = await api('POST', '/snapshot-tasks/preview', { body: { schedule: input.value } });
      if (mine !== seq) return;
      words = { cron: input.value.trim(), text: p.description };
      onWords();
      clear(preview).append(h('p', { class: 'schedule-words', text: p.description }),
        h('ol', { class: 'next-runs' }, p.nextRuns.slice(0, 3).map((r) => h('li', { text: wallClock(r) }))));
    } catch (e) {
      if (mine === seq) clear(preview).appendChild(h('p', { class: 'preview-error', text: e.message }));
    }
  }, 300);
  input.addEventListener('input', () => {
    const p = PRESETS.find((x) => x.cron === input.value.trim());
    mark(p ? p.name : 'custom');
    update();
  });
  const p0 = PRESETS.find((x) => x.cron === (value || '').trim());
  mark(p0 ? p0.name : value ? 'custom' : null);
  const el = h('div', { class: 'schedule-editor' },
    h('div', { class: 'segmented', role: 'group', 'aria-label': 'Schedule presets' }, buttons),
    input, preview);
  if (value) update();
  const describe = () => {
    const cron = input.value.trim();
    return words && words.cron === cron ? words.text + ' (' + cron + ')' : cron;
  };
  return { el, input, describe, cancel: () => update.cancel() };
}

function retentionInputs(prefix, r = {}) {
  return {
    lifetime: h('input', { type: 'text', id: prefix + 'lifetime', name: 'lifetime', value: r.lifetime || '', placeholder: 'e.g. 4w', class: 'mono' }),
    keep: h('input', { type: 'text', id: prefix + 'keep', name: 'keep', value: r.keep || '', placeholder: 'e.g. daily=14,weekly=8', class: 'mono' }),
    grid: h('input', { type: 'text', id: prefix + 'grid', name: 'grid', value: r.grid || '', placeholder: 'e.g. 24x1h | 14x1d', class: 'mono' }),
  };
}

function retentionFields(ri) {
  return h('div', { class: 'field-grid-3' },
    wrap('lifetime', 'Lifetime', ri.lifetime, 'Destroy snapshots older than this.'),
    wrap('keep', 'Keep', ri.keep, 'Per period: last, hourly, daily, weekly, monthly, yearly.'),
    wrap('grid', 'Grid', ri.grid, 'zrepl-style thinning.'));
}

const TRANSPORTS = [
  ['LOCAL', 'Local: to another pool on this box'],
  ['SSH', 'SSH: to another snapferry box'],
  ['SSH_ZFS', 'SSH to a stock ZFS host (zfs receive over SSH)'],
];

function transportLabel(v) {
  return { LOCAL: 'local', SSH: 'SSH', SSH_ZFS: 'SSH to a stock ZFS host' }[v] || v;
}

/** A select of the SSH connections ("host:port as user"); keeps `current` even when it is gone. */
function connectionSelect(id, connections, current) {
  const names = connections.map((c) => c.name);
  const options = connections.map((c) => h('option', { value: c.name, selected: c.name === current,
    text: c.name + ' — ' + c.user + '@' + c.host + ':' + c.port }));
  if (current && !names.includes(current)) options.push(h('option', { value: current, selected: true, text: current + ' (no longer exists)' }));
  if (!options.length) options.push(h('option', { value: '', text: 'no connections: set one up on the SSH page' }));
  return h('select', { id, name: 'connection' }, options);
}

// ---------------------------------------------------------------------------------------------
// The wizard

const STEPS = ['What and where', 'When', 'Retention on the target', 'Review'];
const STEP_OF_FIELD = {
  name: 0, sources: 0, target: 0, transport: 0, connection: 0, recursive: 0, exclude: 0, direction: 0,
  snapshotTasks: 1, naming: 1, nameRegex: 1, alsoInclude: 1, schedule: 1, afterSnapshotTask: 1, window: 1,
  'st-schedule': 1, 'st-naming': 1,
  retention: 2, lifetime: 2, keep: 2, grid: 2,
};

async function renderWizard(root, { go }) {
  const [datasets, snapTasks, connections] = await Promise.all([api('GET', '/datasets'), api('GET', '/snapshot-tasks'),
    api('GET', '/connections')]);
  datasets.sort((a, b) => a.name.localeCompare(b.name));
  let step = 0;

  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'New replication' }),
    h('a', { href: '#/replication', class: 'muted', text: '← all replications' })));
  const stepper = h('ol', { class: 'stepper', id: 'wizard-steps' });
  root.appendChild(stepper);

  // Step 1: what and where
  const name = h('input', { type: 'text', id: 'w-name', name: 'name', class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. offsite' });
  const sources = h('select', { id: 'w-sources', name: 'sources', multiple: true, size: Math.min(8, Math.max(4, datasets.length)) },
    datasets.map((d) => h('option', { value: d.name, text: d.name })));
  const transport = h('select', { id: 'w-transport', name: 'transport' }, TRANSPORTS.map(([v, label]) =>
    h('option', { value: v, text: label, disabled: v !== 'LOCAL' && !connections.length })));
  const connection = connectionSelect('w-connection', connections, null);
  const connectionField = wrap('connection', 'Connection', connection, 'The other box, as set up on the SSH page.');
  const transportNote = h('p', { class: 'note', id: 'w-transport-note' }, connections.length
    ? ['Connections to other boxes are set up on the ', h('a', { href: '#/ssh', text: 'SSH page' }), '.']
    : ['No SSH connections yet: replication to another box (snapferry over SSH, or a stock ZFS host over SSH) needs one. Set it up on the ',
      h('a', { href: '#/ssh', text: 'SSH page' }), ', then come back.']);
  const target = h('input', { type: 'text', id: 'w-target', name: 'target', class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. backup/tank' });
  const targetHint = h('p', { class: 'help', id: 'w-target-hint' });
  const recursive = h('input', { type: 'checkbox', id: 'w-recursive', name: 'recursive' });
  const step1 = h('div', { class: 'card form-card wizard-step', dataset: { step: '1' } },
    h('h2', { text: '1. What and where' }),
    wrap('name', 'Name', name, 'Lower-case letters, digits, - and _; it names the holds and the task.'),
    wrap('sources', 'Source datasets', sources, 'Ctrl-click to choose several.'),
    wrap('transport', 'Transport', transport),
    connectionField,
    transportNote,
    h('div', { class: 'field', dataset: { field: 'target' } }, h('label', { for: 'w-target', text: 'Target dataset' }), target, targetHint),
    check('recursive', recursive, 'Recursive: also replicate every dataset below the sources'));

  // Step 2: when
  const sourceTasks = () => snapTasks.filter((v) => selectedSources().includes(v.task.dataset));
  const existingTasks = h('select', { id: 'w-snapshot-tasks', name: 'snapshotTasks', multiple: true, size: 4 });
  function fillTasks() {
    const chosen = [...existingTasks.selectedOptions].map((o) => o.value);
    clear(existingTasks);
    const vs = sourceTasks();
    for (const v of vs) {
      existingTasks.appendChild(h('option', { value: v.task.id, selected: chosen.includes(v.task.id) || vs.length === 1,
        text: v.task.dataset + ' @' + v.task.naming + ' · ' + v.scheduleDescription }));
    }
    existingTasks.disabled = !vs.length;
    if (!vs.length) existingTasks.appendChild(h('option', { disabled: true, text: 'no snapshot task on the chosen sources' }));
    const existingRadio = root.querySelector('#r-what-existing');
    if (existingRadio) existingRadio.disabled = !vs.length;
  }
  const redrawReview = () => { if (step === 3) drawReview(); };
  const stSchedule = scheduleEditor('w-st-schedule', '0 * * * *', redrawReview);
  const stNaming = h('input', { type: 'text', id: 'w-st-naming', name: 'st-naming', value: DEFAULT_NAMING, class: 'mono', spellcheck: 'false' });
  const stLifetime = h('input', { type: 'text', id: 'w-st-lifetime', name: 'st-lifetime', value: '2w', class: 'mono', placeholder: 'e.g. 2w' });
  const naming = h('input', { type: 'text', id: 'w-naming', name: 'naming', value: DEFAULT_NAMING, class: 'mono', spellcheck: 'false' });
  const ownSchedule = scheduleEditor('w-schedule', '0 0 * * *', redrawReview);
  const window_ = h('input', { type: 'text', id: 'w-window', name: 'window', class: 'mono', placeholder: 'e.g. Mon-Fri 22:00-06:00' });
  const step2 = h('div', { class: 'card form-card wizard-step', dataset: { step: '2' } },
    h('h2', { text: '2. When' }),
    h('h3', { class: 'sub', text: 'Which snapshots' }),
    h('div', { class: 'choices', dataset: { field: 'snapshotTasks' } },
      radio('what', 'new', 'Create a periodic snapshot task for the sources', true,
        'Recommended: the snapshot task takes the snapshots, and this replication sends them.'),
      h('div', { class: 'choice-body', dataset: { for: 'new' } },
        h('div', { class: 'field', dataset: { field: 'st-schedule' } }, h('label', { for: 'w-st-schedule', text: 'Snapshot schedule' }), stSchedule.el),
        h('div', { class: 'field-grid-2' },
          wrap('st-naming', 'Naming schema', stNaming),
          wrap('st-lifetime', 'Keep source snapshots for', stLifetime, 'Empty keeps them all.'))),
      radio('what', 'existing', 'Use existing snapshot tasks', false),
      h('div', { class: 'choice-body', dataset: { for: 'existing' } }, wrap('snapshotTasks', null, existingTasks)),
      radio('what', 'naming', 'Snapshots whose names match a schema', false, 'For snapshots taken elsewhere (by hand, or by another tool).'),
      h('div', { class: 'choice-body', dataset: { for: 'naming' } }, wrap('naming', 'Naming schema', naming))),
    h('h3', { class: 'sub', text: 'When it runs' }),
    h('div', { class: 'choices', dataset: { field: 'schedule' } },
      radio('when', 'after', 'Right after the snapshot task took its snapshots', true),
      radio('when', 'schedule', 'On its own schedule', false),
      h('div', { class: 'choice-body', dataset: { for: 'schedule' } }, ownSchedule.el),
      radio('when', 'manual', 'By hand only', false)),
    wrap('window', 'Sync window (optional)', window_, 'Runs start only inside it, e.g. "Mon-Fri 22:00-06:00" or "22:00-06:00"; empty for any time.'));

  // Step 3: retention on the target
  const ri = retentionInputs('w-');
  const step3 = h('div', { class: 'card form-card wizard-step', dataset: { step: '3' } },
    h('h2', { text: '3. Retention on the target' }),
    h('div', { class: 'choices', dataset: { field: 'retention' } },
      radio('retention', 'SOURCE', 'Same as the source', true, 'The target keeps what the linked snapshot tasks keep.'),
      radio('retention', 'CUSTOM', 'Custom rules', false, 'E.g. keep the target\'s copies longer than the source\'s.'),
      h('div', { class: 'choice-body', dataset: { for: 'CUSTOM' } }, retentionFields(ri)),
      radio('retention', 'NONE', 'None: destroy nothing on the target', false)));

  // Step 4: review
  const review = h('dl', { class: 'props review', id: 'w-review' });
  const step4 = h('div', { class: 'card form-card wizard-step', dataset: { step: '4' } },
    h('h2', { text: '4. Review' }), review,
    h('p', { class: 'help', text: 'Compression, bandwidth limit, properties and the other options are in the advanced form (Edit, after creating).' }));

  const back = h('button', { type: 'button', class: 'btn', id: 'w-back', text: 'Back' });
  const next = h('button', { type: 'button', class: 'btn btn-primary', id: 'w-next', text: 'Next' });
  const create = h('button', { type: 'submit', class: 'btn btn-primary', id: 'w-create', text: 'Create replication' });
  const cancel = h('button', { type: 'button', class: 'btn', id: 'w-cancel', text: 'Cancel', onclick: () => go('/replication') });
  const form = h('form', { id: 'wizard', class: 'task-form', novalidate: true },
    step1, step2, step3, step4, h('div', { class: 'form-actions' }, cancel, h('span', { class: 'spacer' }), back, next, create));
  root.appendChild(form);

  function selectedSources() {
    return [...sources.selectedOptions].map((o) => o.value);
  }

  function showChoiceBodies() {
    for (const body of form.querySelectorAll('.choice-body')) {
      const group = body.previousElementSibling.querySelector('input[type=radio]').name;
      body.hidden = radioValue(form, group) !== body.dataset.for;
    }
    const what = radioValue(form, 'what');
    const after = form.querySelector('#r-when-after');
    after.disabled = what === 'naming';
    if (after.disabled && after.checked) form.querySelector('#r-when-manual').checked = true;
    const same = form.querySelector('#r-retention-SOURCE');
    same.disabled = what === 'naming';
    if (same.disabled && same.checked) form.querySelector('#r-retention-NONE').checked = true;
  }
  form.addEventListener('change', showChoiceBodies);

  function suggestTarget() {
    const s = selectedSources();
    const pools = [...new Set(datasets.map((d) => d.name.split('/')[0]))];
    const src = s[0] || '';
    const other = pools.find((p) => p !== src.split('/')[0]);
    if (!target.value && s.length === 1 && other) target.placeholder = other + '/' + src;
    if (!name.value && s.length) name.placeholder = 'e.g. ' + src.split('/').pop().toLowerCase().replace(/[^a-z0-9_-]/g, '-') + '-to-' + (other || 'copy');
    checkTarget();
  }

  /** What the browser can tell at once; the server checks everything when creating. */
  function checkTarget() {
    const t = target.value.trim();
    const s = selectedSources();
    targetHint.className = 'help';
    if (!t) {
      targetHint.textContent = 'The dataset that receives the snapshots; it is created when missing.';
      return true;
    }
    const remote = transport.value !== 'LOCAL';
    const bad = !remote && s.find((x) => x === t || t.startsWith(x + '/') || x.startsWith(t + '/'));
    if (bad) {
      targetHint.className = 'help preview-error';
      targetHint.textContent = 'The target overlaps the source ' + bad + '.';
      return false;
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)+$/.test(t)) {
      targetHint.className = 'help preview-error';
      targetHint.textContent = 'A dataset below a pool, e.g. backup/' + (s[0] || 'data') + '.';
      return false;
    }
    if (remote) {
      targetHint.textContent = 'A dataset on the other box' + (connection.value ? ' (' + connection.value + ')' : '') + '; it is created when missing.';
      return true;
    }
    const exists = datasets.some((d) => d.name === t);
    targetHint.textContent = exists ? 'Exists: it must hold nothing but what this replication sends.' : 'Created by the first run.';
    return true;
  }
  sources.addEventListener('change', () => { fillTasks(); suggestTarget(); });
  function syncTransport() {
    connectionField.hidden = transport.value === 'LOCAL';
    checkTarget();
  }
  transport.addEventListener('change', syncTransport);
  connection.addEventListener('change', checkTarget);
  target.addEventListener('input', checkTarget);

  function fieldError(fieldName, message) {
    showError(form, { field: fieldName, message });
    return false;
  }

  function validateStep(i) {
    clearErrors(form);
    if (i === 0) {
      if (!NAME_RE.test(name.value.trim())) return fieldError('name', 'Give the replication a name: 1 to 64 lower-case letters, digits, - and _.');
      if (!selectedSources().length) return fieldError('sources', 'Choose at least one source dataset.');
      if (transport.value !== 'LOCAL' && !connection.value) return fieldError('connection', 'Choose the connection to the other box.');
      if (!target.value.trim()) return fieldError('target', 'Give the target dataset, e.g. backup/' + selectedSources()[0] + '.');
      if (!checkTarget()) return fieldError('target', targetHint.textContent);
    }
    if (i === 1) {
      const what = radioValue(form, 'what');
      if (what === 'existing' && !existingTasks.selectedOptions.length) return fieldError('snapshotTasks', 'Choose a snapshot task, or create one.');
      if (what === 'new' && !stSchedule.input.value.trim()) return fieldError('st-schedule', 'Give the snapshot schedule.');
      if (what === 'naming' && !naming.value.trim()) return fieldError('naming', 'Give the naming schema of the snapshots to send.');
      if (radioValue(form, 'when') === 'schedule' && !ownSchedule.input.value.trim()) return fieldError('schedule', 'Give a schedule, or choose another option.');
    }
    return true;
  }

  function show(i) {
    step = i;
    [step1, step2, step3, step4].forEach((s, k) => { s.hidden = k !== i; });
    clear(stepper);
    STEPS.forEach((label, k) => stepper.appendChild(h('li', {
      class: k === i ? 'active' : k < i ? 'done' : null, dataset: { step: String(k + 1) },
    }, h('span', { class: 'step-num', text: String(k + 1) }), h('span', { text: label }))));
    back.hidden = i === 0;
    next.hidden = i === 3;
    create.hidden = i !== 3;
    if (i === 3) drawReview();
    showChoiceBodies();
  }

  back.addEventListener('click', () => show(step - 1));
  next.addEventListener('click', () => {
    if (validateStep(step)) show(step + 1);
  });

  function whatText() {
    const what = radioValue(form, 'what');
    if (what === 'new') return 'a new snapshot task per source: ' + stSchedule.describe() + ', @' + stNaming.value + (stLifetime.value ? ', kept ' + stLifetime.value : '');
    if (what === 'existing') return [...existingTasks.selectedOptions].map((o) => o.textContent).join('; ');
    return 'snapshots named @' + naming.value;
  }

  function whenTextWizard() {
    const when = radioValue(form, 'when');
    const w = window_.value.trim() ? ' (window ' + window_.value.trim() + ')' : '';
    if (when === 'after') return 'right after the snapshot task' + w;
    if (when === 'schedule') return ownSchedule.describe() + w;
    return 'by hand only';
  }

  function drawReview() {
    const r = radioValue(form, 'retention');
    const rows = [
      ['Name', name.value.trim()],
      ['Sources', selectedSources().join(', ') + (recursive.checked ? ' (recursive)' : '')],
      ['Target', target.value.trim()],
      ['Transport', transport.value === 'LOCAL' ? 'local' : transportLabel(transport.value) + ' via ' + connection.value],
      ['Snapshots', whatText()],
      ['Runs', whenTextWizard()],
      ['Target retention', r === 'SOURCE' ? 'same as the source' : r === 'NONE' ? 'keep all'
        : retentionSummary({ lifetime: ri.lifetime.value, keep: ri.keep.value, grid: ri.grid.value })],
    ];
    clear(review).append(...rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]));
  }

  function body(stIds) {
    const what = radioValue(form, 'what');
    const when = radioValue(form, 'when');
    const r = radioValue(form, 'retention');
    return {
      name: name.value.trim(), direction: 'PUSH', transport: transport.value,
      connection: transport.value === 'LOCAL' ? null : connection.value,
      sources: selectedSources(), target: target.value.trim(), recursive: recursive.checked,
      snapshotTasks: what === 'naming' ? [] : stIds,
      naming: what === 'naming' ? [naming.value.trim()] : [],
      afterSnapshotTask: when === 'after',
      schedule: when === 'schedule' ? ownSchedule.input.value.trim() : null,
      window: opt(window_.value),
      retention: r === 'CUSTOM' ? { mode: 'CUSTOM', lifetime: opt(ri.lifetime.value), keep: opt(ri.keep.value), grid: opt(ri.grid.value) } : { mode: r },
      enabled: true,
    };
  }

  /** Shows a server error on the step its field belongs to. */
  function showOnStep(e, fieldOverride) {
    const f = fieldOverride || e.field;
    const i = f in STEP_OF_FIELD ? STEP_OF_FIELD[f] : 3;
    show(i);
    showError(form, { message: e.message, field: f });
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    create.disabled = true;
    const created = [];
    try {
      let ids = [...existingTasks.selectedOptions].map((o) => o.value);
      if (radioValue(form, 'what') === 'new') {
        ids = [];
        for (const dataset of selectedSources()) {
          let v;
          try {
            v = await api('POST', '/snapshot-tasks', { body: {
              dataset, recursive: recursive.checked, naming: stNaming.value.trim(), schedule: stSchedule.input.value.trim(),
              retention: { lifetime: opt(stLifetime.value) }, allowEmpty: true, enabled: true,
            } });
          } catch (e) {
            const map = { schedule: 'st-schedule', naming: 'st-naming', lifetime: 'st-lifetime', retention: 'st-lifetime' };
            showOnStep(e, map[e.field] || 'st-schedule');
            return;
          }
          created.push(v.task.id);
          ids.push(v.task.id);
        }
      }
      let saved;
      try {
        saved = await api('POST', '/replications', { body: body(ids) });
      } catch (e) {
        // Leave nothing half made: the snapshot tasks made for this replication go again.
        for (const id of created) await api('DELETE', '/snapshot-tasks/' + enc(id)).catch(() => {});
        showOnStep(e);
        return;
      }
      toast('Created ' + saved.task.name + (created.length ? ' and its snapshot task' : ''), 'ok');
      go('/replication');
    } finally {
      create.disabled = false;
    }
  });

  fillTasks();
  suggestTarget();
  syncTransport();
  show(0);
  return () => { stSchedule.cancel(); ownSchedule.cancel(); };
}

// ---------------------------------------------------------------------------------------------
// The advanced form: every option, for creating and editing

async function renderAdvanced(root, { params, go }) {
  const editing = params.get('edit');
  const [datasets, snapTasks, existing, connections, keys] = await Promise.all([
    api('GET', '/datasets'), api('GET', '/snapshot-tasks'),
    editing ? api('GET', '/replications/' + enc(editing)) : Promise.resolve(null),
    api('GET', '/connections'), api('GET', '/stream-keys'),
  ]);
  const t = existing ? existing.task : {
    name: '', direction: 'PUSH', transport: 'LOCAL', connection: null, sources: [], target: '', recursive: false, exclude: [],
    snapshotTasks: [], naming: [], alsoInclude: [], nameRegex: null, schedule: null, afterSnapshotTask: false, window: null,
    retention: { mode: 'NONE' }, allowFromScratch: false, readonly: 'IGNORE', properties: { send: false, exclude: [], override: {} },
    compression: 'NONE', bandwidthLimit: null, retries: 5, enabled: true,
  };
  root.appendChild(h('header', { class: 'page-head' },
    h('h1', { text: existing ? 'Edit replication' : 'New replication (advanced)' }),
    existing ? h('p', { class: 'muted mono', text: t.name }) : null,
    h('a', { href: '#/replication', class: 'muted', text: '← all replications' })));

  const sel = (id, name, options, value) => h('select', { id, name }, options.map(([v, label]) => h('option', { value: v, text: label, selected: v === value })));
  const text = (id, name, value, extra = {}) => h('input', { type: 'text', id, name, value: value || '', class: 'mono', autocomplete: 'off', spellcheck: 'false', ...extra });
  const area = (id, name, value, placeholder) => h('textarea', { id, name, rows: 3, class: 'mono', spellcheck: 'false', placeholder }, value || '');
  const box = (id, name, value) => h('input', { type: 'checkbox', id, name, checked: !!value });

  const f = {
    name: text('a-name', 'name', t.name, existing ? { disabled: true } : { placeholder: 'e.g. offsite' }),
    direction: sel('a-direction', 'direction', [['PUSH', 'Push: this box sends'], ['PULL', 'Pull: this box fetches']], t.direction),
    transport: sel('a-transport', 'transport', [['LOCAL', 'Local (this box)'], ['SSH', 'SSH (another snapferry box)'], ['SSH_ZFS', 'SSH to a stock ZFS host']], t.transport),
    connection: connectionSelect('a-connection', connections, t.connection),
    encryptionKey: h('select', { id: 'a-encryption-key', name: 'encryptionKey' },
      h('option', { value: '', text: 'None: send plain streams', selected: !t.encryptionKey }),
      keys.map((k) => h('option', { value: k.name, selected: k.name === t.encryptionKey, text: k.name + ' (' + k.fingerprint + ')' })),
      t.encryptionKey && !keys.some((k) => k.name === t.encryptionKey)
        ? h('option', { value: t.encryptionKey, selected: true, text: t.encryptionKey + ' (no longer exists)' }) : null),
    sources: area('a-sources', 'sources', t.sources.join('\n'), 'one dataset a line, e.g. tank/home'),
    target: text('a-target', 'target', t.target, { placeholder: 'e.g. backup/home' }),
    recursive: box('a-recursive', 'recursive', t.recursive),
    exclude: area('a-exclude', 'exclude', t.exclude.join('\n'), 'datasets below the sources to leave out'),
    snapshotTasks: h('select', { id: 'a-snapshot-tasks', name: 'snapshotTasks', multiple: true, size: Math.min(6, Math.max(3, snapTasks.length)) },
      snapTasks.map((v) => h('option', { value: v.task.id, selected: t.snapshotTasks.includes(v.task.id), text: v.task.dataset + ' @' + v.task.naming }))),
    naming: area('a-naming', 'naming', t.naming.join('\n'), 'e.g. auto-%Y-%m-%d_%H-%M'),
    alsoInclude: area('a-also-include', 'alsoInclude', t.alsoInclude.join('\n'), 'further schemas, e.g. manual-%Y-%m-%d'),
    nameRegex: text('a-name-regex', 'nameRegex', t.nameRegex, { placeholder: 'e.g. ^weekly-.*' }),
    window: text('a-window', 'window', t.window, { placeholder: 'e.g. Mon-Fri 22:00-06:00' }),
    retentionMode: sel('a-retention-mode', 'retentionMode', [['SOURCE', 'Same as the source'], ['CUSTOM', 'Custom'], ['NONE', 'None: keep all']], t.retention.mode),
    allowFromScratch: box('a-allow-from-scratch', 'allowFromScratch', t.allowFromScratch),
    readonly: sel('a-readonly', 'readonly', [['IGNORE', 'Ignore'], ['SET', 'Set readonly=on on the target'], ['REQUIRE', 'Require the target to be read-only']], t.readonly),
    propSend: box('a-prop-send', 'propSend', t.properties.send),
    propExclude: text('a-prop-exclude', 'propExclude', t.properties.exclude.join(', '), { placeholder: 'e.g. mountpoint, sharenfs' }),
    propOverride: area('a-prop-override', 'propOverride', Object.entries(t.properties.override).map(([k, v]) => k + '=' + v).join('\n'), 'property=value, one a line'),
    compression: sel('a-compression', 'compression', [['NONE', 'None'], ['LZ4', 'LZ4 (fast)'], ['ZSTD', 'Zstandard (smaller)']], t.compression),
    bandwidthLimit: text('a-bandwidth', 'bandwidthLimit', t.bandwidthLimit, { placeholder: 'e.g. 50M (bytes a second); empty for none' }),
    retries: h('input', { type: 'number', id: 'a-retries', name: 'retries', min: '0', max: '100', value: t.retries }),
    enabled: box('a-enabled', 'enabled', t.enabled),
  };
  const when = t.afterSnapshotTask ? 'after' : t.schedule ? 'schedule' : 'manual';
  const sched = scheduleEditor('a-schedule', t.schedule || '');
  const ri = retentionInputs('a-', t.retention);
  const retentionBody = h('div', { class: 'retention-custom' }, retentionFields(ri));
  const connectionField = h('div', {}, wrap('connection', 'Connection', f.connection, 'For the SSH transports: the connection to the other box.'),
    connections.length ? null : h('p', { class: 'note', id: 'a-no-connections' }, 'No SSH connections yet. Set one up on the ',
      h('a', { href: '#/ssh', text: 'SSH page' }), ' first.'));

  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'a-save', text: existing ? 'Save changes' : 'Create replication' });
  const form = h('form', { id: 'advanced-form', class: 'task-form', novalidate: true },
    h('div', { class: 'card form-card' }, h('h2', { text: 'Task' }),
      h('div', { class: 'field-grid-2' },
        wrap('name', 'Name', f.name, existing ? 'The name cannot change.' : 'Lower-case letters, digits, - and _.'),
        h('div', { class: 'field-check-top' }, check('enabled', f.enabled, 'Enabled')))),
    h('div', { class: 'card form-card' }, h('h2', { text: 'What and where' }),
      h('div', { class: 'field-grid-2' }, wrap('direction', 'Direction', f.direction), wrap('transport', 'Transport', f.transport)),
      connectionField,
      h('div', { class: 'field-grid-2' },
        wrap('sources', 'Source datasets', f.sources, 'One a line.'),
        h('div', {}, wrap('target', 'Target dataset', f.target, 'Must not overlap a source on the same box.'))),
      check('recursive', f.recursive, 'Recursive: also every dataset below the sources'),
      wrap('exclude', 'Exclude', f.exclude, 'Datasets below the sources to leave out (one a line).')),
    h('div', { class: 'card form-card' }, h('h2', { text: 'Which snapshots' }),
      wrap('snapshotTasks', 'Snapshot tasks', f.snapshotTasks, 'Replicate the snapshots these tasks take (Ctrl-click for several).'),
      h('div', { class: 'field-grid-2' },
        wrap('naming', 'Naming schemas', f.naming, 'And/or snapshots whose names these parse.'),
        wrap('alsoInclude', 'Also include', f.alsoInclude, 'Extra schemas whose snapshots go too.')),
      wrap('nameRegex', 'Name regex', f.nameRegex, 'And/or snapshots whose name after @ matches this.')),
    h('div', { class: 'card form-card' }, h('h2', { text: 'When' }),
      h('div', { class: 'choices', dataset: { field: 'afterSnapshotTask' } },
        radio('when', 'after', 'After the linked snapshot tasks', when === 'after'),
        radio('when', 'schedule', 'Own schedule', when === 'schedule'),
        h('div', { class: 'choice-body', dataset: { for: 'schedule', field: 'schedule' } }, sched.el),
        radio('when', 'manual', 'By hand only', when === 'manual')),
      wrap('window', 'Sync window', f.window, 'Runs start only inside it; empty for any time.')),
    h('div', { class: 'card form-card' }, h('h2', { text: 'Retention on the target' }),
      wrap('retention', 'Mode', f.retentionMode), retentionBody),
    h('div', { class: 'card form-card' }, h('h2', { text: 'Transfer' }),
      h('div', { class: 'field-grid-3' },
        wrap('compression', 'Compression', f.compression),
        wrap('bandwidthLimit', 'Bandwidth limit', f.bandwidthLimit),
        wrap('retries', 'Retries', f.retries, '0 to 100, with back-off.')),
      wrap('encryptionKey', 'Encryption', f.encryptionKey, keys.length
        ? 'Encrypt what this box sends with a stream key; the receiving box needs the same key (Settings → Stream keys).'
        : 'No stream keys yet: create one under Settings → Stream keys to encrypt the streams.'),
      check('allowFromScratch', f.allowFromScratch, 'Allow from scratch: when no common snapshot is left, replace what the target holds with a full send')),
    h('div', { class: 'card form-card' }, h('h2', { text: 'Target properties' }),
      wrap('readonly', 'Read-only target', f.readonly),
      check('properties', f.propSend, 'Send the datasets\' properties with the stream'),
      h('div', { class: 'field-grid-2' },
        wrap('propExclude', 'Properties not to take', f.propExclude, 'Comma-separated.'),
        wrap('propOverride', 'Properties to set on the target', f.propOverride))),
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn', text: 'Cancel', onclick: () => go('/replication') }), save));
  root.appendChild(form);

  function sync() {
    for (const body of form.querySelectorAll('.choice-body')) body.hidden = radioValue(form, 'when') !== body.dataset.for;
    connectionField.hidden = f.transport.value === 'LOCAL';
    retentionBody.hidden = f.retentionMode.value !== 'CUSTOM';
  }
  form.addEventListener('change', sync);
  sync();
  // Datasets to pick from, for typing sources and targets.
  const dl = h('datalist', { id: 'a-datasets' }, datasets.map((d) => h('option', { value: d.name })));
  form.appendChild(dl);
  f.target.setAttribute('list', 'a-datasets');

  function body() {
    const w = radioValue(form, 'when');
    const override = {};
    for (const l of lines(f.propOverride.value.replace(/,/g, '\n'))) {
      const i = l.indexOf('=');
      if (i > 0) override[l.slice(0, i).trim()] = l.slice(i + 1).trim();
      else throw Object.assign(new Error('write each property as property=value: ' + l), { field: 'propOverride' });
    }
    const retries = Number(f.retries.value);
    return {
      name: existing ? t.name : f.name.value.trim(), direction: f.direction.value, transport: f.transport.value,
      connection: f.transport.value === 'LOCAL' ? null : opt(f.connection.value),
      sources: lines(f.sources.value), target: f.target.value.trim(), recursive: f.recursive.checked, exclude: lines(f.exclude.value),
      snapshotTasks: [...f.snapshotTasks.selectedOptions].map((o) => o.value),
      naming: lines(f.naming.value.replace(/,/g, '\n')), alsoInclude: lines(f.alsoInclude.value.replace(/,/g, '\n')),
      nameRegex: opt(f.nameRegex.value),
      schedule: w === 'schedule' ? opt(sched.input.value) : null, afterSnapshotTask: w === 'after', window: opt(f.window.value),
      retention: f.retentionMode.value === 'CUSTOM'
        ? { mode: 'CUSTOM', lifetime: opt(ri.lifetime.value), keep: opt(ri.keep.value), grid: opt(ri.grid.value) }
        : { mode: f.retentionMode.value, lifetime: null, keep: null, grid: null },
      allowFromScratch: f.allowFromScratch.checked, readonly: f.readonly.value,
      properties: { send: f.propSend.checked, exclude: lines(f.propExclude.value), override },
      compression: f.compression.value, bandwidthLimit: opt(f.bandwidthLimit.value), encryptionKey: opt(f.encryptionKey.value),
      retries: Number.isInteger(retries) ? retries : -1, enabled: f.enabled.checked,
    };
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    save.disabled = true;
    try {
      const b = body();
      const saved = existing
        ? await api('PUT', '/replications/' + enc(t.name), { body: b })
        : await api('POST', '/replications', { body: b });
      toast((existing ? 'Saved ' : 'Created ') + saved.task.name, 'ok');
      go('/replication');
    } catch (e) {
      // The server names the rules "retention"; the custom rules live in the block below the mode.
      showError(form, e);
    } finally {
      save.disabled = false;
    }
  });
  return () => sched.cancel();
}

