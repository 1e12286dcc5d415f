// The login form.
import { api } from '../api.js';
import { h, field, formValues, showError } from '../dom.js';
import { refreshSession } from '../session.js';

export function render(root, { go, params }) {
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Log in' });
  const created = params.get('created');
  const form = h('form', { class: 'auth-form', id: 'login-form', novalidate: true },
    field({ name: 'username', label: 'Username', value: created || '', autocomplete: 'username', required: true }),
    field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true }),
    submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      const v = formValues(form);
      await api('POST', '/session', { body: { username: v.username, password: v.password }, quiet401: true });
      await refreshSession();
      go('/dashboard');
    } catch (e) {
      showError(form, e);
    } finally {
      submit.disabled = false;
    }
  });
  root.appendChild(h('div', { class: 'auth-card' },
    h('div', { class: 'brand brand-large' }, h('span', { class: 'brand-mark', text: '▲' }), ' snapferry'),
    h('h1', { text: 'Log in' }),
    created ? h('p', { class: 'notice', text: 'The admin account ' + created + ' was created. Log in with it.' }) : null,
    form));
  form.querySelector(created ? 'input[name=password]' : 'input[name=username]').focus();
}
