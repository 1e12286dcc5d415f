// Settings: the box's settings (time zone, parallel replications, metrics access, low-space
// threshold), notification targets with a test send, the fingerprints to pin this box by, the
// admin password, stream keys, and API tokens.
import { api } from '../api.js';
import { h, clear, field, formValues, showError, clearErrors, formDialog, toast } from '../dom.js';
import { dateTime } from '../format.js';

const EVENTS = [
  ['FAILURE', 'Failures'],
  ['RECOVERY', 'Recoveries'],
  ['TEST', 'Tests'],
  ['LOW_SPACE', 'Low free space'],
];

// When the browser cannot list its zones: the most used ones (the box accepts any IANA name).
const FALLBACK_ZONES = ['UTC', 'Europe/London', 'Europe/Dublin', 'Europe/Lisbon', 'Europe/Paris', 'Europe/Berlin',
  'Europe/Amsterdam', 'Europe/Brussels', 'Europe/Zurich', 'Europe/Vienna', 'Europe/Rome', 'Europe/Madrid',
  'Europe/Stockholm', 'Europe/Oslo', 'Europe/Copenhagen', 'Europe/Helsinki', 'Europe/Warsaw', 'Europe/Prague',
  'Europe/Athens', 'Europe/Istanbul', 'Europe/Moscow', 'Africa/Johannesburg', 'Africa/Cairo', 'Asia/Dubai',
  'Asia/Kolkata', 'Asia/Singapore', 'Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Tokyo', 'Asia/Seoul',
  'Australia/Perth', 'Australia/Sydney', 'Pacific/Auckland', 'America/Sao_Paulo', 'America/Argentina/Buenos_Aires',
  'America/New_York', 'America/Toronto', 'America/Chicago', 'America/Denver', 'America/Phoenix',
  'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu'];

/** The IANA zones to offer: the browser's list, else the fallback; always with UTC and `current`. */
export function timeZones(current) {
  let zones;
  try {
    zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : null;
  } catch {
    zones = null;
  }
  const all = new Set(zones && zones.length ? zones : FALLBACK_ZONES);
  all.add('UTC');
  if (current) all.add(current);
  return [...all].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

function card(id, title, intro, ...body) {
  return h('section', { class: 'section', id },
    h('div', { class: 'card' },
      typeof title === 'string' ? h('h2', { text: title }) : title,
      intro ? h('p', { class: 'muted', text: intro }) : null,
      body));
}

export async function render(root) {
  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'Settings' })));
  await Promise.all([
    general(root),
    notifications(root),
    pinning(root),
    password(root),
    streamKeys(root),
    tokens(root),
  ].map((p, i) => p.catch((e) => {
    root.appendChild(h('p', { class: 'form-error', text: 'Section ' + (i + 1) + ' could not be loaded: ' + e.message }));
  })));
}

// ---------------------------------------------------------------------------------------------
// The box's settings

async function general(root) {
  const holder = h('div');
  root.appendChild(holder);
  const s = await api('GET', '/settings');
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-settings', text: 'Save' });
  const form = h('form', { id: 'settings-form', class: 'task-form', novalidate: true },
    h('div', { class: 'field-grid-2' },
      field({ name: 'timeZone', label: 'Time zone', type: 'select', options: timeZones(s.timeZone), value: s.timeZone,
        help: 'Schedules, time windows and snapshot names are read in this zone.' }),
      field({ name: 'maxParallelReplications', label: 'Replications at once', type: 'number', value: s.maxParallelReplications,
        min: '1', max: '64', class: 'input-small', help: '1 to 64; further runs wait for a free slot.' })),
    h('div', { class: 'field-grid-2' },
      field({ name: 'metricsPublic', label: 'Who may read /metrics', type: 'select', value: s.metricsPublic,
        options: ['loopback', 'authenticated'],
        help: 'loopback: anyone on this box, and callers with a token; authenticated: only callers with a token or session.' }),
      field({ name: 'freeSpaceThreshold', label: 'Low free space below (%)', type: 'number', value: s.freeSpaceThreshold,
        min: '0', max: '99', class: 'input-small', help: 'A pool with less free space is reported (LOW_SPACE); 0 turns this off.' })),
    h('div', { class: 'form-actions' }, save));
  holder.replaceWith(card('settings-general', 'Box', null, form));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const v = formValues(form);
    const num = (x) => (x.trim() === '' || Number.isNaN(Number(x)) ? x : Number(x));
    save.disabled = true;
    try {
      const saved = await api('PUT', '/settings', { body: {
        timeZone: v.timeZone, maxParallelReplications: num(v.maxParallelReplications),
        metricsPublic: v.metricsPublic, freeSpaceThreshold: num(v.freeSpaceThreshold),
      } });
      form.querySelector('[name=timeZone]').value = saved.timeZone;
      toast('Settings saved', 'ok');
    } catch (e) {
      showError(form, e);
    } finally {
      save.disabled = false;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Notification targets

async function notifications(root) {
  const list = h('div', { id: 'notification-targets' });
  const results = h('div', { id: 'test-results', 'aria-live': 'polite' });
  const head = h('div', { class: 'toolbar' }, h('h2', { text: 'Notifications' }),
    h('div', { class: 'toolbar-right' },
      h('button', { type: 'button', class: 'btn', id: 'add-webhook', text: 'Add webhook', onclick: () => edit(null, 'webhook') }),
      h('button', { type: 'button', class: 'btn', id: 'add-email', text: 'Add e-mail', onclick: () => edit(null, 'email') }),
      h('button', { type: 'button', class: 'btn btn-primary', id: 'send-test', text: 'Send a test notification', onclick: sendTest })));
  root.appendChild(card('settings-notifications', head,
    'Where failures, recoveries, tests and low free space are reported. Passwords and authorization headers are never shown; left blank when editing, they stay as they are.',
    list, results));
  let targets = [];

  async function load() {
    targets = (await api('GET', '/settings/notifications')).targets;
    clear(list);
    if (!targets.length) {
      list.appendChild(h('p', { class: 'empty', id: 'no-targets', text: 'No notification targets.' }));
      return;
    }
    list.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'notification-table' },
      h('thead', {}, h('tr', {}, ['Id', 'Type', 'Destination', 'Events', 'State'].map((t) => h('th', { text: t })),
        h('th', { class: 'actions', text: 'Actions' }))),
      h('tbody', {}, targets.map((t) => h('tr', { dataset: { target: t.id } },
        h('td', { class: 'mono', text: t.id }),
        h('td', { text: t.webhook ? 'webhook' : 'e-mail' }),
        h('td', { class: 'mono small', text: t.webhook ? t.webhook.url : (t.email.to || []).join(', ') + ' via ' + t.email.host + ':' + t.email.port }),
        h('td', {}, h('div', { class: 'tags' }, t.events.map((e) => h('span', { class: 'tag', text: e.toLowerCase().replace('_', ' ') })))),
        h('td', {}, h('span', { class: 'badge badge-' + (t.enabled ? 'ok' : 'neutral'), text: t.enabled ? 'enabled' : 'disabled' })),
        h('td', { class: 'actions nowrap' },
          h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'test' }, text: 'Test', disabled: !t.enabled, onclick: () => sendTest(t.id) }),
          h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'edit' }, text: 'Edit', onclick: () => edit(t) }),
          h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', dataset: { action: 'delete' }, text: 'Delete', onclick: () => remove(t) }))))))));
  }

  /** The targets as the server listed them, with `target` put in place of the one with its id (or added). */
  function withTarget(target, replacing) {
    const out = targets.filter((t) => t.id !== replacing);
    const i = targets.findIndex((t) => t.id === replacing);
    out.splice(i < 0 ? out.length : i, 0, target);
    return out;
  }

  async function edit(t, kind = t && t.webhook ? 'webhook' : 'email') {
    const events = t ? t.events : ['FAILURE', 'RECOVERY', 'TEST', 'LOW_SPACE'];
    const secretHelp = t ? 'Left blank: unchanged.' : null;
    const common = [
      { name: 'id', label: 'Id', value: t ? t.id : '', disabled: !!t, class: 'mono', help: t ? null : 'Lower-case letters, digits, - and _, e.g. ops-webhook.' },
    ];
    const specific = kind === 'webhook' ? [
      { name: 'webhook.url', label: 'URL', value: t ? t.webhook.url : '', class: 'mono', placeholder: 'https://hooks.example.com/snapferry',
        help: 'A JSON POST of {event, kind, subject, message, time, box} goes here.' },
      { name: 'webhook.authorization', label: 'Authorization header', type: 'password', autocomplete: 'new-password',
        placeholder: t ? 'unchanged' : 'e.g. Bearer abc123 (optional)', help: secretHelp },
    ] : [
      { name: 'email.host', label: 'SMTP host', value: t ? t.email.host : '', class: 'mono' },
      { name: 'email.port', label: 'SMTP port', type: 'number', value: t ? t.email.port : 587, min: '1', max: '65535' },
      { name: 'email.starttls', label: 'STARTTLS before logging in', type: 'checkbox', value: t ? t.email.starttls : true },
      { name: 'email.username', label: 'Username', value: t && t.email.username ? t.email.username : '', autocomplete: 'off',
        help: 'Empty for a relay without login.' },
      { name: 'email.password', label: 'Password', type: 'password', autocomplete: 'new-password', placeholder: t ? 'unchanged' : '', help: secretHelp },
      { name: 'email.from', label: 'From', value: t ? t.email.from : '', placeholder: 'snapferry@example.com' },
      { name: 'email.to', label: 'To', value: t ? (t.email.to || []).join(', ') : '', help: 'Comma-separated addresses.' },
    ];
    const switches = [
      ...EVENTS.map(([e, label]) => ({ name: 'ev-' + e, label, type: 'checkbox', value: events.includes(e) })),
      { name: 'enabled', label: 'Enabled', type: 'checkbox', value: t ? t.enabled : true },
    ];
    const done = await formDialog({
      title: t ? 'Edit ' + t.id : kind === 'webhook' ? 'New webhook target' : 'New e-mail target',
      fields: [...common, ...specific, ...switches],
      submitLabel: t ? 'Save' : 'Add',
      onSubmit: async (v) => {
        const target = {
          id: t ? t.id : v.id.trim(), enabled: v.enabled,
          events: EVENTS.map(([e]) => e).filter((e) => v['ev-' + e]),
        };
        if (kind === 'webhook') {
          target.webhook = { url: v['webhook.url'].trim() };
          if (v['webhook.authorization'] !== '') target.webhook.authorization = v['webhook.authorization'];
        } else {
          const username = v['email.username'].trim();
          target.email = {
            host: v['email.host'].trim(), port: Number(v['email.port']) || 0, starttls: v['email.starttls'],
            username: username || null, from: v['email.from'].trim(),
            to: v['email.to'].split(/[,\s]+/).map((x) => x.trim()).filter(Boolean),
          };
          if (v['email.password'] !== '') target.email.password = v['email.password'];
        }
        if (!t && targets.some((x) => x.id === target.id)) {
          throw { field: 'id', message: 'a target named ' + target.id + ' exists already; choose another id' };
        }
        return api('PUT', '/settings/notifications', { body: { targets: withTarget(target, t ? t.id : null) } });
      },
    });
    if (done) {
      toast((t ? 'Saved ' : 'Added ') + (t ? t.id : 'the target'), 'ok');
      await load();
    }
  }

  async function remove(t) {
    const done = await formDialog({
      title: 'Delete notification target',
      intro: h('p', {}, 'Delete ', h('strong', { class: 'mono', text: t.id }), '? It receives nothing more.'),
      submitLabel: 'Delete',
      danger: true,
      onSubmit: () => api('PUT', '/settings/notifications', { body: { targets: targets.filter((x) => x.id !== t.id) } }),
    });
    if (done) {
      toast('Deleted ' + t.id, 'ok');
      await load();
    }
  }

  async function sendTest(id) {
    clear(results);
    const button = document.getElementById('send-test');
    button.disabled = true;
    results.appendChild(h('p', { class: 'muted', text: 'Sending…' }));
    try {
      const r = await api('POST', '/settings/notifications/test', { body: typeof id === 'string' ? { target: id } : {} });
      clear(results).appendChild(h('ul', { class: 'steps-list', id: 'test-result-list' }, r.results.map((x) => h('li', { dataset: { target: x.target, ok: String(x.ok) } },
        h('span', { class: 'badge badge-' + (x.ok ? 'ok' : 'danger'), text: x.ok ? 'delivered' : 'failed' }), ' ',
        h('strong', { class: 'mono', text: x.target }), ' (' + x.type + ')',
        x.detail && !(x.ok && x.detail === 'delivered') ? h('span', { class: 'muted', text: ': ' + x.detail }) : null))));
    } catch (e) {
      clear(results).appendChild(h('p', { class: 'form-error', role: 'alert', text: e.message }));
    } finally {
      button.disabled = false;
    }
  }

  await load();
}

// ---------------------------------------------------------------------------------------------
// Fingerprints for pinning

async function pinning(root) {
  const holder = h('div');
  root.appendChild(holder);
  const [status, hostKey] = await Promise.all([api('GET', '/status'), api('GET', '/host-key')]);
  holder.replaceWith(card('settings-pinning', 'This box\'s fingerprints',
    'Compare these with what another box or a client shows before trusting this box.',
    h('dl', { class: 'props' },
      h('dt', { text: 'TLS certificate SHA-256' }),
      h('dd', { class: 'mono', id: 'cert-fingerprint', text: status.certificateSha256 || 'plain HTTP (no TLS)' }),
      h('dt', { text: 'SSH host key' }), h('dd', { class: 'mono', id: 'host-key-fingerprint', text: hostKey.fingerprint }),
      h('dt', { text: 'SSH host key line' }), h('dd', { class: 'mono small', id: 'host-key-line', text: hostKey.publicKey }),
      h('dt', { text: 'SSH port' }), h('dd', { class: 'mono', text: hostKey.sshPort }),
      h('dt', { text: 'Box id' }), h('dd', { class: 'mono', text: hostKey.boxId }))));
}

// ---------------------------------------------------------------------------------------------
// The admin password

async function password(root) {
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'change-password', text: 'Change password' });
  const form = h('form', { id: 'password-form', class: 'task-form', novalidate: true },
    h('div', { class: 'field-grid-3' },
      field({ name: 'current', label: 'Current password', type: 'password', autocomplete: 'current-password' }),
      field({ name: 'new', label: 'New password', type: 'password', autocomplete: 'new-password', help: 'At least 10 characters.' }),
      field({ name: 'confirm', label: 'New password again', type: 'password', autocomplete: 'new-password' })),
    h('div', { class: 'form-actions' }, save));
  root.appendChild(card('settings-password', 'Password', 'Changing it logs out your other sessions; this one stays.', form));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const v = formValues(form);
    if (v.new !== v.confirm) {
      showError(form, { field: 'confirm', message: 'the two new passwords differ' });
      return;
    }
    save.disabled = true;
    try {
      const r = await api('PUT', '/users/me/password', { body: { current: v.current, new: v.new } });
      form.reset();
      toast('Password changed' + (r.otherSessionsEnded ? '; ' + r.otherSessionsEnded + ' other session(s) logged out' : ''), 'ok');
    } catch (e) {
      showError(form, e);
    } finally {
      save.disabled = false;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Stream keys

async function streamKeys(root) {
  const list = h('div', { id: 'stream-keys' });
  const head = h('div', { class: 'toolbar' }, h('h2', { text: 'Stream keys' }),
    h('div', { class: 'toolbar-right' },
      h('button', { type: 'button', class: 'btn', id: 'import-stream-key', text: 'Import', onclick: importKey }),
      h('button', { type: 'button', class: 'btn btn-primary', id: 'new-stream-key', text: 'New key', onclick: newKey })));
  root.appendChild(card('settings-stream-keys', head,
    'Keys a replication encrypts its streams with (chosen in the replication\'s advanced form). The receiving box needs the same key: export it to a file here, copy the file over, and import it there. Paths are on this box.',
    list));

  async function load() {
    const keys = await api('GET', '/stream-keys');
    clear(list);
    if (!keys.length) {
      list.appendChild(h('p', { class: 'empty', id: 'no-stream-keys', text: 'No stream keys.' }));
      return;
    }
    list.appendChild(h('table', { class: 'table', id: 'stream-key-table' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'Fingerprint' }), h('th', { class: 'actions', text: 'Actions' }))),
      h('tbody', {}, keys.map((k) => h('tr', { dataset: { streamKey: k.name } },
        h('td', { class: 'mono', text: k.name }),
        h('td', { class: 'mono small', text: k.fingerprint }),
        h('td', { class: 'actions nowrap' },
          h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'export' }, text: 'Export', onclick: () => exportKey(k.name) }),
          h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', dataset: { action: 'delete' }, text: 'Delete', onclick: () => remove(k.name) })))))));
  }

  async function newKey() {
    const k = await formDialog({
      title: 'New stream key',
      fields: [{ name: 'name', label: 'Name', class: 'mono', help: 'e.g. offsite; a random 256-bit key is made.' }],
      submitLabel: 'Create',
      onSubmit: (v) => api('POST', '/stream-keys', { body: { name: v.name.trim() } }),
    });
    if (k) {
      toast('Created ' + k.name, 'ok');
      await load();
    }
  }

  async function importKey() {
    const k = await formDialog({
      title: 'Import a stream key',
      fields: [
        { name: 'name', label: 'Name', class: 'mono' },
        { name: 'file', label: 'File on this box', class: 'mono', placeholder: '/root/offsite.key', help: 'An absolute path; the file holds 64 hex digits.' },
      ],
      submitLabel: 'Import',
      onSubmit: (v) => api('POST', '/stream-keys', { body: { name: v.name.trim(), file: v.file.trim() } }),
    });
    if (k) {
      toast('Imported ' + k.name, 'ok');
      await load();
    }
  }

  async function exportKey(name) {
    const r = await formDialog({
      title: 'Export ' + name,
      intro: 'The key is written to a new file on this box, readable by its owner only.',
      fields: [{ name: 'file', label: 'File on this box', class: 'mono', placeholder: '/root/' + name + '.key' }],
      submitLabel: 'Export',
      onSubmit: (v) => api('POST', '/stream-keys/' + encodeURIComponent(name) + '/export', { body: { file: v.file.trim() } }),
    });
    if (r) toast('Exported to ' + r.file, 'ok');
  }

  async function remove(name) {
    const done = await formDialog({
      title: 'Delete stream key',
      intro: h('p', {}, 'Delete ', h('strong', { class: 'mono', text: name }),
        '? Replications that encrypt with it stop running, and streams made with it cannot be read here without an exported copy.'),
      submitLabel: 'Delete',
      danger: true,
      onSubmit: () => api('DELETE', '/stream-keys/' + encodeURIComponent(name)),
    });
    if (done) {
      toast('Deleted ' + name, 'ok');
      await load();
    }
  }

  await load();
}

// ---------------------------------------------------------------------------------------------
// API tokens

async function tokens(root) {
  const list = h('div', { id: 'tokens' });
  const create = h('button', { type: 'button', class: 'btn btn-primary', id: 'new-token', text: 'New token', onclick: newToken });
  root.appendChild(h('section', { class: 'section', id: 'settings-tokens' },
    h('div', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', { text: 'API tokens' }), create),
      h('p', { class: 'muted', text: 'Scripts call the API with "Authorization: Bearer <token>". A token is shown once, when it is created; the box keeps only its hash.' }),
      list)));

  async function load() {
    const all = await api('GET', '/tokens');
    clear(list);
    if (!all.length) {
      list.appendChild(h('p', { class: 'empty', id: 'no-tokens', text: 'No API tokens.' }));
      return;
    }
    list.appendChild(h('table', { class: 'table', id: 'token-table' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'Created' }), h('th', { text: 'Last used' }),
        h('th', { class: 'actions', text: 'Actions' }))),
      h('tbody', {}, all.map((t) => h('tr', { dataset: { token: t.name } },
        h('td', { class: 'mono', text: t.name }),
        h('td', { class: 'when', text: dateTime(t.createdAt) }),
        h('td', { class: 'when', text: t.lastUsedAt ? dateTime(t.lastUsedAt) : 'never' }),
        h('td', { class: 'actions' }, h('button', {
          type: 'button', class: 'btn btn-small btn-danger-ghost', dataset: { action: 'revoke' }, text: 'Revoke',
          onclick: () => revoke(t.name),
        })))))));
  }

  async function newToken() {
    const created = await formDialog({
      title: 'New API token',
      fields: [{ name: 'name', label: 'Name', help: 'What uses it, e.g. nightly-backup. Letters, digits, _ . and -.' }],
      submitLabel: 'Create',
      onSubmit: (v) => api('POST', '/tokens', { body: { name: v.name } }),
    });
    if (!created) return;
    await load();
    const value = h('input', { type: 'text', class: 'input mono', id: 'created-token', readonly: true, value: created.token });
    await formDialog({
      title: 'Token ' + created.name,
      intro: h('div', {}, h('p', { text: 'Copy the token now: it will not be shown again.' }), value),
      submitLabel: 'Done',
      onSubmit: async () => true,
    });
  }

  async function revoke(name) {
    const done = await formDialog({
      title: 'Revoke token',
      intro: h('p', {}, 'Revoke ', h('strong', { class: 'mono', text: name }), '? Scripts using it stop working at once.'),
      submitLabel: 'Revoke',
      danger: true,
      onSubmit: () => api('DELETE', '/tokens/' + encodeURIComponent(name)),
    });
    if (done) {
      toast('Revoked ' + name, 'ok');
      await load();
    }
  }

  await load();
}
