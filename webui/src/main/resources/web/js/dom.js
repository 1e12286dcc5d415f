// Building the page. Every piece of text goes in as a text node (textContent), never as HTML:
// names, messages and tags come from the server and may contain anything.

/**
 * Creates an element. attrs: `class`, `text` (textContent), `on<event>` functions, `dataset`
 * (object), booleans (set when true), anything else as an attribute. Children: nodes, strings
 * (as text), arrays, or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/**
 * A labelled form field. `input` attributes as for h(); type 'checkbox' puts the label after the
 * box, 'select' takes `options`, 'textarea' makes a multi-line box.
 */
export function field({ name, label, type = 'text', value, help, options = [], ...rest }) {
  const id = 'f-' + name + '-' + Math.random().toString(36).slice(2, 8);
  if (type === 'checkbox') {
    return h('div', { class: 'field field-check', dataset: { field: name } },
      h('input', { id, name, type, checked: !!value, ...rest }),
      h('label', { for: id, text: label }),
      help ? h('p', { class: 'help', text: help }) : null);
  }
  const input = type === 'select'
    ? h('select', { id, name, ...rest }, options.map((o) => h('option', { value: o, text: o, selected: o === value })))
    : type === 'textarea'
      ? h('textarea', { id, name, class: 'input mono', rows: 6, ...rest }, value || '')
      : h('input', { id, name, type, value, ...rest });
  return h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: id, text: label }), input,
    help ? h('p', { class: 'help', text: help }) : null);
}

/** The values of a form's named inputs (checkboxes as booleans). */
export function formValues(form) {
  const out = {};
  for (const el of form.querySelectorAll('input[name], select[name], textarea[name]')) {
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value;
  }
  return out;
}

/** Removes the errors shown by showError. */
export function clearErrors(form) {
  for (const e of form.querySelectorAll('.field-error, .form-error')) e.remove();
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
}

/**
 * Shows an error in a form: next to its field when the error names one the form has, else at
 * the top of the form. The message is inserted as text.
 */
export function showError(form, err) {
  clearErrors(form);
  const message = err && err.message ? err.message : String(err);
  const fieldName = err && err.field;
  const wrap = fieldName ? form.querySelector(`[data-field="${CSS.escape(fieldName)}"]`) : null;
  if (wrap) {
    const input = wrap.querySelector('input, select, textarea');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
    wrap.appendChild(h('p', { class: 'field-error', role: 'alert', dataset: { errorFor: fieldName }, text: message }));
  } else {
    // Above the fields, below any title and introduction.
    const anchor = form.querySelector('.field, .dialog-actions, button[type=submit]');
    const box = h('p', { class: 'form-error', role: 'alert', text: message });
    if (anchor && anchor.parentNode === form) form.insertBefore(box, anchor);
    else form.prepend(box);
  }
}

export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const t = h('div', { class: 'toast toast-' + kind, text: message });
  box.appendChild(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

/**
 * A modal form. `fields` as for field(); `onSubmit(values)` does the work and may throw an
 * ApiError, which is shown in the dialog next to its field; the dialog closes when it succeeds.
 * Resolves with onSubmit's result, or null when cancelled.
 */
export function formDialog({ title, intro, fields = [], submitLabel = 'OK', danger = false, onSubmit }) {
  return new Promise((resolve) => {
    const submit = h('button', { type: 'submit', class: 'btn ' + (danger ? 'btn-danger' : 'btn-primary'), text: submitLabel });
    const cancel = h('button', { type: 'button', class: 'btn', text: 'Cancel' });
    const form = h('form', { class: 'dialog-form', novalidate: true },
      h('h2', { text: title }),
      intro ? (intro instanceof Node ? intro : h('p', { text: intro })) : null,
      fields.map(field),
      h('div', { class: 'dialog-actions' }, cancel, submit));
    const dlg = h('dialog', { class: 'dialog' }, form);
    let result = null;
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      try {
        result = (await onSubmit(formValues(form))) ?? true;
        dlg.close();
      } catch (err) {
        showError(form, err);
      } finally {
        submit.disabled = false;
      }
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    const first = form.querySelector('input:not([type=checkbox]), select');
    (first || submit).focus();
  });
}

/** A modal that shows `body` (a node) with one Close button. Resolves when closed. */
export function messageDialog({ title, body, wide = false }) {
  return new Promise((resolve) => {
    const close = h('button', { type: 'button', class: 'btn btn-primary', text: 'Close' });
    const dlg = h('dialog', { class: 'dialog' + (wide ? ' dialog-wide' : '') },
      h('div', { class: 'dialog-form' }, h('h2', { text: title }), body, h('div', { class: 'dialog-actions' }, close)));
    close.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve();
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    close.focus();
  });
}

/** Calls f only once no further call came for `ms` milliseconds. */
export function debounce(f, ms) {
  let timer = null;
  const d = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => f(...args), ms);
  };
  d.cancel = () => clearTimeout(timer);
  return d;
}
