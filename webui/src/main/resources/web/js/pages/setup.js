// First start: create the admin account.
import { api } from '../api.js';
import { h, field, formValues, showError, clearErrors } from '../dom.js';
import { refreshSession } from '../session.js';

export function render(root, { go }) {
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Create admin account' });
  const form = h('form', { class: 'auth-form', id: 'setup-form', novalidate: true },
    field({ name: 'username', label: 'Username', value: 'admin', autocomplete: 'username', required: true }),
    field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', required: true,
      help: 'At least 10 characters.' }),
    field({ name: 'confirm', label: 'Repeat password', type: 'password', autocomplete: 'new-password', required: true }),
    submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const v = formValues(form);
    if (v.password !== v.confirm) {
      showError(form, { field: 'confirm', message: 'the two passwords differ' });
      return;
    }
    submit.disabled = true;
    try {
      await api('POST', '/setup', { body: { username: v.username, password: v.password } });
      await refreshSession();
      go('/login', { created: v.username });
    } catch (e) {
      showError(form, e);
    } finally {
      submit.disabled = false;
    }
  });
  root.appendChild(h('div', { class: 'auth-card' },
    h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark', text: '▲' }), ' snapferry'),
    h('h1', { text: 'Welcome' }),
    h('p', { class: 'muted', text: 'This box has no admin account yet. Create it to manage snapshots and replication from this page.' }),
    form));
  form.querySelector('input[name=password]').focus();
}
