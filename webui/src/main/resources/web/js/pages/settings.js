// Settings. Today: API tokens for scripts (create, shown once; list; revoke).
import { api } from '../api.js';
import { h, clear, formDialog, toast } from '../dom.js';
import { dateTime } from '../format.js';

export async function render(root) {
  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'Settings' })));
  const list = h('div', { id: 'tokens' });
  const create = h('button', { type: 'button', class: 'btn btn-primary', id: 'new-token', text: 'New token', onclick: newToken });
  root.appendChild(h('section', { class: 'section' },
    h('div', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', { text: 'API tokens' }), create),
      h('p', { class: 'muted', text: 'Scripts call the API with "Authorization: Bearer <token>". A token is shown once, when it is created; the box keeps only its hash.' }),
      list)));

  async function load() {
    const tokens = await api('GET', '/tokens');
    clear(list);
    if (!tokens.length) {
      list.appendChild(h('p', { class: 'empty', id: 'no-tokens', text: 'No API tokens.' }));
      return;
    }
    list.appendChild(h('table', { class: 'table', id: 'token-table' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'Created' }), h('th', { text: 'Last used' }),
        h('th', { class: 'actions', text: 'Actions' }))),
      h('tbody', {}, tokens.map((t) => h('tr', { dataset: { token: t.name } },
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
