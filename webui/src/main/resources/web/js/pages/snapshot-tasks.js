// Snapshot tasks: the list (failures first) with run now, enable/disable, edit and delete; and the
// create/edit form with live previews of the snapshot name, the next runs and what retention
// would keep and destroy on the dataset now.
import { api } from '../api.js';
import { h, clear, field, formDialog, messageDialog, showError, clearErrors, toast, debounce } from '../dom.js';
import { dateTime, duration, relative, stateBadge, wallClock } from '../format.js';

const PRESETS = [
  { name: 'hourly', label: 'Hourly', cron: '0 * * * *' },
  { name: 'daily', label: 'Daily', cron: '0 0 * * *' },
  { name: 'weekly', label: 'Weekly', cron: '0 0 * * 0' },
  { name: 'monthly', label: 'Monthly', cron: '0 0 1 * *' },
  { name: 'custom', label: 'Custom cron', cron: null },
];
const KEEP_KEYS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];
const DEFAULT_NAMING = 'auto-%Y-%m-%d_%H-%M';

export async function render(root, ctx) {
  if (ctx.params.has('edit') || ctx.params.has('new')) return renderForm(root, ctx);
  return renderList(root, ctx);
}

/** Failures first (the last run failed or was interrupted), then by dataset. */
export function failuresFirst(views) {
  const bad = (v) => (v.lastRun && (v.lastRun.state === 'FAILED' || v.lastRun.state === 'INTERRUPTED') ? 0 : 1);
  return [...views].sort((a, b) => bad(a) - bad(b) || a.task.dataset.localeCompare(b.task.dataset) || a.task.id.localeCompare(b.task.id));
}

export function retentionSummary(r) {
  const parts = [];
  if (r && r.lifetime) parts.push('for ' + r.lifetime);
  if (r && r.keep) parts.push('keep ' + r.keep.replace(/,\s*/g, ', '));
  if (r && r.grid) parts.push('grid ' + r.grid);
  return parts.length ? parts.join('; ') : 'keep all';
}

/** The last run as a badge and its result, for the list and the dashboard. */
export function lastRunCell(run) {
  if (!run) return h('span', { class: 'muted', text: 'never run' });
  return h('div', { class: 'run-cell' },
    h('div', {}, h('span', { class: 'badge badge-' + stateBadge(run.state), dataset: { state: run.state }, text: run.state.toLowerCase() }),
      ' ', h('span', { class: 'muted small', title: dateTime(run.startedAt), text: relative(run.startedAt) })),
    run.result ? h('div', { class: 'small run-result', title: run.result, text: run.result }) : null);
}

export function nextRunCell(v) {
  if (!v.task.enabled) return h('span', { class: 'muted', text: 'disabled' });
  if (!v.nextRun) return h('span', { class: 'muted', text: 'none' });
  return h('div', {}, h('div', { class: 'when', title: dateTime(v.nextRun), text: dateTime(v.nextRun).slice(0, 16) }),
    h('div', { class: 'muted small', text: relative(v.nextRun) }));
}

async function renderList(root, { go }) {
  const list = h('div', { id: 'task-list' });
  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'Snapshot tasks' }),
    h('p', { class: 'muted', text: 'Periodic snapshots of a dataset, pruned by their retention rules.' }),
    h('div', { class: 'page-actions' },
      h('button', { type: 'button', class: 'btn btn-primary', id: 'new-task', text: 'New snapshot task', onclick: () => go('/snapshot-tasks', { new: '1' }) }))));
  root.appendChild(h('section', { class: 'section' }, h('div', { class: 'card' }, list)));

  async function load() {
    const views = failuresFirst(await api('GET', '/snapshot-tasks'));
    clear(list);
    if (!views.length) {
      list.appendChild(h('p', { class: 'empty', id: 'no-tasks', text: 'No snapshot tasks yet. Create one to take snapshots on a schedule.' }));
      return;
    }
    list.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'task-table' },
      h('thead', {}, h('tr', {}, ['Dataset and naming', 'Schedule', 'Retention', 'Enabled', 'Next run', 'Last run']
        .map((t) => h('th', { text: t })), h('th', { class: 'actions', text: 'Actions' }))),
      h('tbody', {}, views.map(row)))));
  }

  function row(v) {
    const t = v.task;
    const failed = v.lastRun && (v.lastRun.state === 'FAILED' || v.lastRun.state === 'INTERRUPTED');
    const btn = (action, text, onclick, cls = '') => h('button', { type: 'button', class: 'btn btn-small ' + cls, dataset: { action }, text, onclick });
    return h('tr', { class: failed ? 'row-failed' : null, dataset: { task: t.id, dataset: t.dataset } },
      h('td', {}, h('div', { class: 'mono', text: t.dataset }),
        h('div', { class: 'mono small naming', title: 'naming schema', text: '@' + t.naming }),
        t.recursive ? h('div', { class: 'muted small', text: 'recursive' + (t.exclude.length ? ', excluding ' + t.exclude.join(', ') : '') }) : null),
      h('td', {}, h('div', { text: v.scheduleDescription }), h('div', { class: 'muted small mono nowrap', text: t.schedule }),
        t.begin && t.end ? h('div', { class: 'muted small', text: 'only ' + t.begin + '–' + t.end }) : null),
      h('td', { class: 'small', text: retentionSummary(t.retention) }),
      h('td', {}, h('span', { class: 'badge badge-' + (t.enabled ? 'ok' : 'neutral'), text: t.enabled ? 'enabled' : 'disabled' })),
      h('td', {}, nextRunCell(v)),
      h('td', { class: 'last-run' }, lastRunCell(v.lastRun)),
      h('td', { class: 'actions' }, h('div', { class: 'action-grid' },
        btn('run', 'Run now', (ev) => runNow(t, ev.currentTarget)),
        btn(t.enabled ? 'disable' : 'enable', t.enabled ? 'Disable' : 'Enable', () => toggle(t)),
        btn('edit', 'Edit', () => go('/snapshot-tasks', { edit: t.id })),
        btn('delete', 'Delete', () => remove(t), 'btn-danger-ghost'))));
  }

  async function runNow(t, button) {
    button.disabled = true;
    button.textContent = 'Running…';
    try {
      const run = await api('POST', '/snapshot-tasks/' + encodeURIComponent(t.id) + '/run', { query: { wait: true } });
      await load();
      await messageDialog({ title: 'Run of ' + t.dataset, body: runSummary(run), wide: true });
    } catch (e) {
      toast(e.message, 'error');
      await load();
    }
  }

  async function toggle(t) {
    try {
      await api('POST', '/snapshot-tasks/' + encodeURIComponent(t.id) + (t.enabled ? '/disable' : '/enable'));
      toast((t.enabled ? 'Disabled ' : 'Enabled ') + t.dataset, 'ok');
    } catch (e) {
      toast(e.message, 'error');
    }
    await load();
  }

  async function remove(t) {
    const done = await formDialog({
      title: 'Delete snapshot task',
      intro: h('p', {}, 'Delete the task for ', h('strong', { class: 'mono', text: t.dataset }), ' (', h('span', { class: 'mono', text: t.naming }),
        ')? It takes no more snapshots; the snapshots it took stay.'),
      submitLabel: 'Delete',
      danger: true,
      onSubmit: () => api('DELETE', '/snapshot-tasks/' + encodeURIComponent(t.id)),
    });
    if (done) {
      toast('Deleted the task for ' + t.dataset, 'ok');
      await load();
    }
  }

  await load();
  const timer = setInterval(() => load().catch(() => {}), 30000);
  return () => clearInterval(timer);
}

/** A run's state, result, duration and log, for the run-now dialog. */
export function runSummary(run) {
  const took = run.endedAt ? duration(new Date(run.endedAt) - new Date(run.startedAt)) : 'running';
  return h('div', { id: 'run-result', dataset: { run: run.id, state: run.state } },
    h('p', {}, h('span', { class: 'badge badge-' + stateBadge(run.state), text: run.state.toLowerCase() }), ' ',
      h('span', { class: 'run-result-text', text: run.result })),
    h('p', { class: 'muted small', text: 'Started ' + dateTime(run.startedAt) + ' · took ' + took }),
    logView(run.log || []),
    h('p', { class: 'small' }, h('a', { href: '#/tasks?run=' + encodeURIComponent(run.id), text: 'Open in Tasks' })));
}

export function logView(lines) {
  return h('div', { class: 'log', role: 'log' }, lines.length
    ? lines.map(logLine)
    : h('div', { class: 'muted', text: 'No log lines.' }));
}

export function logLine(l) {
  return h('div', { class: 'log-line log-' + String(l.level).toLowerCase() },
    h('span', { class: 'log-time', text: dateTime(l.time).slice(11) }),
    h('span', { class: 'log-level', text: l.level }),
    h('span', { class: 'log-msg', text: l.message }));
}

function parseKeep(text) {
  const out = {};
  for (const part of (text || '').split(',')) {
    const m = /^\s*(?:keep-)?([a-z]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

async function renderForm(root, { params, go }) {
  const editing = params.get('edit');
  const [datasets, existing] = await Promise.all([
    api('GET', '/datasets'),
    editing ? api('GET', '/snapshot-tasks/' + encodeURIComponent(editing)) : Promise.resolve(null),
  ]);
  datasets.sort((a, b) => a.name.localeCompare(b.name));
  const t = existing ? existing.task : {
    dataset: datasets.length ? datasets[0].name : '', recursive: false, exclude: [], naming: DEFAULT_NAMING,
    schedule: '0 * * * *', begin: null, end: null, retention: {}, allowEmpty: true, enabled: true, preHook: null, postHook: null,
  };

  root.appendChild(h('header', { class: 'page-head' },
    h('h1', { text: existing ? 'Edit snapshot task' : 'New snapshot task' }),
    existing ? h('p', { class: 'muted mono', text: t.dataset }) : null));

  // What
  const datasetSelect = h('select', { id: 'f-dataset', name: 'dataset' },
    datasets.map((d) => h('option', { value: d.name, text: d.name, selected: d.name === t.dataset })));
  const recursive = h('input', { type: 'checkbox', id: 'f-recursive', name: 'recursive', checked: !!t.recursive });
  const exclude = h('select', { id: 'f-exclude', name: 'exclude', multiple: true, size: 4 });
  const excludeField = h('div', { class: 'field', dataset: { field: 'exclude' } },
    h('label', { for: 'f-exclude', text: 'Exclude children' }), exclude,
    h('p', { class: 'help', text: 'Ctrl-click to choose several. An excluded dataset\'s own children are excluded too.' }));
  function fillExclude(selected) {
    const prefix = datasetSelect.value + '/';
    const children = datasets.filter((d) => d.name.startsWith(prefix));
    clear(exclude);
    for (const d of children) exclude.appendChild(h('option', { value: d.name, text: d.name, selected: selected.includes(d.name) }));
    excludeField.hidden = !recursive.checked;
    exclude.disabled = !children.length;
    if (!children.length) exclude.appendChild(h('option', { disabled: true, text: 'no children' }));
  }

  // Naming
  const naming = h('input', { type: 'text', id: 'f-naming', name: 'naming', value: t.naming, class: 'mono', autocomplete: 'off', spellcheck: 'false' });
  const example = h('p', { class: 'preview', id: 'naming-example', 'aria-live': 'polite' });

  // Schedule
  const schedule = h('input', { type: 'text', id: 'f-schedule', name: 'schedule', value: t.schedule, class: 'mono', autocomplete: 'off', spellcheck: 'false' });
  const presetButtons = PRESETS.map((p) => h('button', {
    type: 'button', class: 'seg', dataset: { preset: p.name }, text: p.label,
    onclick: () => {
      if (p.cron) schedule.value = p.cron;
      markPreset(p.name);
      if (!p.cron) schedule.focus();
      previewSchedule();
    },
  }));
  function presetOf(value) {
    const v = value.trim();
    const p = PRESETS.find((x) => x.cron === v || x.name === v || '@' + x.name === v);
    return p ? p.name : 'custom';
  }
  function markPreset(name) {
    for (const b of presetButtons) b.classList.toggle('active', b.dataset.preset === name);
  }
  const begin = h('input', { type: 'time', id: 'f-begin', name: 'begin', value: t.begin || '' });
  const end = h('input', { type: 'time', id: 'f-end', name: 'end', value: t.end || '' });
  const schedulePreview = h('div', { class: 'preview', id: 'schedule-preview', 'aria-live': 'polite' });

  // Retention
  const r = t.retention || {};
  const lifetime = h('input', { type: 'text', id: 'f-lifetime', name: 'lifetime', value: r.lifetime || '', placeholder: 'e.g. 2w', class: 'mono' });
  const keepNow = parseKeep(r.keep);
  const keepInputs = KEEP_KEYS.map((k) => h('input', { type: 'number', min: '0', step: '1', name: 'keep-' + k, id: 'f-keep-' + k, value: keepNow[k] || '', placeholder: '0' }));
  const grid = h('input', { type: 'text', id: 'f-grid', name: 'grid', value: r.grid || '', placeholder: 'e.g. 1x1h(keep=all) | 24x1h | 14x1d', class: 'mono' });
  const planBox = h('div', { id: 'retention-plan', class: 'plan', 'aria-live': 'polite' });

  // Options
  const allowEmpty = h('input', { type: 'checkbox', id: 'f-allowEmpty', name: 'allowEmpty', checked: !!t.allowEmpty });
  const enabled = h('input', { type: 'checkbox', id: 'f-enabled', name: 'enabled', checked: !!t.enabled });
  const hookInputs = (name, hook) => ({
    command: h('input', { type: 'text', id: 'f-' + name, name, value: hook ? hook.command : '', class: 'mono', placeholder: 'a /bin/sh command' }),
    timeout: h('input', { type: 'number', min: '1', id: 'f-' + name + '-timeout', name: name + 'Timeout', value: hook ? hook.timeoutSeconds : 60 }),
  });
  const pre = hookInputs('preHook', t.preHook);
  const post = hookInputs('postHook', t.postHook);

  const wrap = (name, label, input, help) => h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: input.id, text: label }), input, help ? h('p', { class: 'help', text: help }) : null);
  const check = (name, input, label, help) => h('div', { class: 'field field-check', dataset: { field: name } },
    input, h('label', { for: input.id, text: label }), help ? h('p', { class: 'help', text: help }) : null);
  const hookField = (name, label, hk) => h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: hk.command.id, text: label }),
    h('div', { class: 'inline-inputs' }, hk.command, h('label', { class: 'inline-label', for: hk.timeout.id, text: 'timeout (s)' }), hk.timeout));

  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-task', text: existing ? 'Save changes' : 'Create task' });
  const form = h('form', { id: 'task-form', class: 'task-form', novalidate: true },
    h('div', { class: 'card form-card' }, h('h2', { text: 'Dataset' }),
      wrap('dataset', 'Dataset', datasetSelect),
      check('recursive', recursive, 'Recursive: snapshot the dataset and every dataset below it, atomically'),
      excludeField),
    h('div', { class: 'card form-card' }, h('h2', { text: 'Snapshot names' }),
      wrap('naming', 'Naming schema', naming, 'strftime-style: %Y year, %m month, %d day, %H hour, %M minute, %S second. Each task on a dataset needs its own schema.'),
      example),
    h('div', { class: 'card form-card' }, h('h2', { text: 'Schedule' }),
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Schedule presets' }, presetButtons),
      wrap('schedule', 'Cron expression', schedule, 'minute hour day-of-month month day-of-week, e.g. */15 * * * * or 0 2 * * 1-5.'),
      h('div', { class: 'field-row' },
        wrap('begin', 'Only from', begin), wrap('end', 'until', end)),
      h('p', { class: 'help', text: 'Optional window within the day: runs outside it are skipped. It may wrap past midnight.' }),
      schedulePreview),
    h('div', { class: 'card form-card' }, h('h2', { text: 'Retention' }),
      h('p', { class: 'muted small', text: 'A snapshot of this task is destroyed only when no rule keeps it. With no rule, every snapshot is kept. Snapshots with other names are never touched.' }),
      wrap('lifetime', 'Lifetime', lifetime, 'Keep every snapshot this long: 36h, 2w, 3m…'),
      h('div', { class: 'field', dataset: { field: 'keep' } },
        h('label', { text: 'Keep counts' }),
        h('div', { class: 'keep-grid' }, KEEP_KEYS.map((k, i) => h('label', { class: 'keep-cell', for: keepInputs[i].id },
          h('span', { text: k }), keepInputs[i]))),
        h('p', { class: 'help', text: 'The newest N snapshots, and the newest of each of the last N hours, days, weeks, months, years.' })),
      wrap('grid', 'Grid', grid, 'zrepl-style intervals, newest first.'),
      h('h3', { class: 'sub', text: 'What retention would do on the dataset now' }),
      planBox),
    h('div', { class: 'card form-card' }, h('h2', { text: 'Options' }),
      check('allowEmpty', allowEmpty, 'Take snapshots even when nothing was written since the last one'),
      check('enabled', enabled, 'Enabled'),
      hookField('preHook', 'Command before the snapshot', pre),
      hookField('postHook', 'Command after the snapshot', post),
      h('p', { class: 'help', text: 'Run by /bin/sh -c with a timeout; the dataset and snapshot names reach them as environment variables. A failing pre-command skips the snapshot.' })),
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn', text: 'Cancel', onclick: () => go('/snapshot-tasks') }), save));
  root.appendChild(form);

  function keepText() {
    return KEEP_KEYS.map((k, i) => [k, keepInputs[i].value.trim()]).filter(([, v]) => v !== '').map(([k, v]) => k + '=' + v).join(',');
  }
  const orNull = (v) => (v && v.trim() !== '' ? v.trim() : null);
  const hook = (hk) => (orNull(hk.command.value) ? { command: hk.command.value.trim(), timeoutSeconds: Number(hk.timeout.value) || 60 } : null);
  function body() {
    return {
      dataset: datasetSelect.value,
      recursive: recursive.checked,
      exclude: recursive.checked ? [...exclude.selectedOptions].map((o) => o.value) : [],
      naming: naming.value.trim(),
      schedule: schedule.value.trim(),
      begin: orNull(begin.value),
      end: orNull(end.value),
      retention: { lifetime: orNull(lifetime.value), keep: orNull(keepText()), grid: orNull(grid.value) },
      allowEmpty: allowEmpty.checked,
      enabled: enabled.checked,
      preHook: hook(pre),
      postHook: hook(post),
    };
  }

  // Live previews: each asks the server, and only the newest answer is shown.
  let seq = { naming: 0, schedule: 0, plan: 0 };
  const previewNaming = debounce(async () => {
    const mine = ++seq.naming;
    example.hidden = false;
    if (!naming.value.trim()) {
      example.className = 'preview preview-error';
      example.textContent = 'A naming schema is required.';
      return;
    }
    try {
      const p = await api('POST', '/snapshot-tasks/preview', { body: { naming: naming.value.trim() } });
      if (mine !== seq.naming) return;
      example.className = 'preview';
      clear(example).append('Example: ', h('span', { class: 'mono', id: 'example-name', text: datasetSelect.value + '@' + p.exampleName }));
    } catch (e) {
      if (mine !== seq.naming) return;
      example.className = 'preview preview-error';
      example.textContent = e.message;
    }
  }, 250);
  const previewSchedule = debounce(async () => {
    const mine = ++seq.schedule;
    markPreset(presetOf(schedule.value));
    if (!schedule.value.trim()) {
      clear(schedulePreview).append(h('p', { class: 'preview-error', text: 'A schedule is required.' }));
      return;
    }
    try {
      const p = await api('POST', '/snapshot-tasks/preview', {
        body: { schedule: schedule.value.trim(), begin: orNull(begin.value), end: orNull(end.value) },
      });
      if (mine !== seq.schedule) return;
      clear(schedulePreview).append(
        h('p', { id: 'schedule-description', class: 'schedule-words', text: p.description }),
        p.nextRuns.length
          ? h('div', {}, h('span', { class: 'muted small', text: 'Next runs' }),
            h('ol', { id: 'next-runs', class: 'next-runs' }, p.nextRuns.map((x) => h('li', { text: wallClock(x) }))))
          : h('p', { class: 'muted', id: 'next-runs', text: 'It never runs.' }));
    } catch (e) {
      if (mine !== seq.schedule) return;
      clear(schedulePreview).append(h('p', { class: 'preview-error', dataset: { field: e.field || '' }, text: e.message }));
    }
  }, 250);
  const previewPlan = debounce(async () => {
    const mine = ++seq.plan;
    const b = body();
    if (!b.retention.lifetime && !b.retention.keep && !b.retention.grid) {
      clear(planBox).append(h('p', { class: 'muted', text: 'No rules: every snapshot is kept.' }));
      return;
    }
    try {
      const plan = await api('POST', '/retention/plan', { body: { dataset: b.dataset, naming: b.naming, ...b.retention } });
      if (mine !== seq.plan) return;
      const kept = plan.filter((d) => d.action === 'keep').length;
      const gone = plan.length - kept;
      clear(planBox).append(
        h('p', { id: 'plan-summary' }, h('span', { class: 'badge badge-ok', text: kept + ' kept' }), ' ',
          h('span', { class: 'badge badge-' + (gone ? 'danger' : 'neutral'), text: gone + ' destroyed' }),
          h('span', { class: 'muted small', text: '  of ' + plan.length + ' snapshot' + (plan.length === 1 ? '' : 's') + ' of ' + b.dataset })),
        plan.length ? h('div', { class: 'plan-scroll' }, h('table', { class: 'table table-compact', id: 'plan-table' },
          h('tbody', {}, plan.map((d) => h('tr', { dataset: { action: d.action } },
            h('td', { class: 'mono', text: d.name.slice(d.name.indexOf('@')) }),
            h('td', {}, h('span', { class: 'badge badge-' + (d.action === 'keep' ? 'ok' : 'danger'), text: d.action })),
            h('td', { class: 'muted small', text: d.reason })))))) : null);
    } catch (e) {
      if (mine !== seq.plan) return;
      clear(planBox).append(h('p', { class: 'preview-error', text: e.message }));
    }
  }, 400);

  datasetSelect.addEventListener('change', () => { fillExclude([]); previewNaming(); previewPlan(); });
  recursive.addEventListener('change', () => fillExclude([...exclude.selectedOptions].map((o) => o.value)));
  naming.addEventListener('input', () => { previewNaming(); previewPlan(); });
  schedule.addEventListener('input', previewSchedule);
  begin.addEventListener('input', previewSchedule);
  end.addEventListener('input', previewSchedule);
  for (const el of [lifetime, grid, ...keepInputs]) el.addEventListener('input', previewPlan);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    save.disabled = true;
    try {
      const saved = existing
        ? await api('PUT', '/snapshot-tasks/' + encodeURIComponent(existing.task.id), { body: body() })
        : await api('POST', '/snapshot-tasks', { body: body() });
      toast((existing ? 'Saved the task for ' : 'Created a task for ') + saved.task.dataset, 'ok');
      go('/snapshot-tasks');
    } catch (e) {
      showError(form, e);
      // The field's own error says it; the preview would say it twice.
      if (e.field === 'naming') example.hidden = true;
    } finally {
      save.disabled = false;
    }
  });

  fillExclude(t.exclude || []);
  markPreset(presetOf(t.schedule));
  previewNaming();
  previewSchedule();
  previewPlan();
  return () => { previewNaming.cancel(); previewSchedule.cancel(); previewPlan.cancel(); };
}
