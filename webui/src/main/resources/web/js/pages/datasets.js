// Datasets: the tree of every pool's datasets; for the chosen one its properties and a
// paginated, sortable, filterable snapshot list with take, destroy, roll back, hold and release.
import { api } from '../api.js';
import { h, clear, formDialog, messageDialog, toast } from '../dom.js';
import { bytes, dateTime } from '../format.js';

const PAGE_SIZES = [25, 50, 100];

export async function render(root, { params, setParams }) {
  const state = {
    datasets: [],
    selected: params.get('d'),
    sort: params.get('sort') === 'name' ? 'name' : 'createTxg',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    filter: params.get('filter') || '',
    offset: 0,
    limit: PAGE_SIZES.includes(Number(params.get('limit'))) ? Number(params.get('limit')) : 25,
  };
  const tree = h('nav', { class: 'tree', id: 'dataset-tree', 'aria-label': 'Datasets' });
  const detail = h('section', { class: 'detail', id: 'dataset-detail' });
  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'Datasets' })));
  root.appendChild(h('div', { class: 'split' }, h('div', { class: 'card tree-card' }, tree), detail));

  let filterTimer = null;
  let loadSeq = 0;

  function remember() {
    const p = { sort: state.sort, order: state.order, limit: state.limit };
    if (state.selected) p.d = state.selected;
    if (state.filter) p.filter = state.filter;
    setParams(p);
  }

  async function loadTree() {
    state.datasets = await api('GET', '/datasets');
    state.datasets.sort((a, b) => a.name.localeCompare(b.name));
    if (!state.selected || !state.datasets.some((d) => d.name === state.selected)) {
      state.selected = state.datasets.length ? state.datasets[0].name : null;
    }
    drawTree();
  }

  function drawTree() {
    clear(tree);
    if (!state.datasets.length) {
      tree.appendChild(h('p', { class: 'empty', text: 'No datasets.' }));
      return;
    }
    for (const d of state.datasets) {
      const depth = d.name.split('/').length - 1;
      const leaf = d.name.slice(d.name.lastIndexOf('/') + 1);
      const item = h('button', {
        type: 'button', class: 'tree-item' + (d.name === state.selected ? ' active' : ''),
        dataset: { dataset: d.name }, title: d.name,
        onclick: () => {
          state.selected = d.name;
          state.offset = 0;
          drawTree();
          drawDetail();
        },
      }, h('span', { class: 'tree-name', text: leaf }), h('span', { class: 'tree-size', text: bytes(d.used) }));
      item.style.paddingLeft = (0.75 + depth * 1.1) + 'rem';
      tree.appendChild(item);
    }
  }

  function drawDetail() {
    remember();
    clear(detail);
    const d = state.datasets.find((x) => x.name === state.selected);
    if (!d) return;
    const filter = h('input', {
      type: 'search', class: 'input', id: 'snapshot-filter', placeholder: 'Filter snapshots', value: state.filter,
      'aria-label': 'Filter snapshots by name',
    });
    filter.addEventListener('input', () => {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(() => {
        state.filter = filter.value.trim();
        state.offset = 0;
        remember();
        loadSnapshots();
      }, 250);
    });
    const take = h('button', { type: 'button', class: 'btn btn-primary', id: 'take-snapshot', text: 'Take snapshot', onclick: () => takeSnapshot(d) });
    detail.append(
      h('div', { class: 'card' },
        h('div', { class: 'detail-head' }, h('h2', { class: 'mono', id: 'dataset-name', text: d.name }),
          h('span', { class: 'badge badge-info', text: d.kind })),
        h('dl', { class: 'props props-inline' },
          h('div', {}, h('dt', { text: 'Used' }), h('dd', { text: bytes(d.used) })),
          h('div', {}, h('dt', { text: 'Available' }), h('dd', { text: bytes(d.available) })),
          h('div', {}, h('dt', { text: 'Mountpoint' }), h('dd', { class: 'mono', text: d.mountpoint || '–' })),
          h('div', {}, h('dt', { text: 'Read-only' }), h('dd', { text: d.readonly ? 'yes' : 'no' })),
          h('div', {}, h('dt', { text: 'Provider' }), h('dd', { text: d.provider })))),
      h('div', { class: 'card' },
        h('div', { class: 'toolbar' }, h('h2', { text: 'Snapshots' }), h('div', { class: 'toolbar-right' }, filter, take)),
        h('div', { id: 'snapshots' })),
      h('div', { class: 'card', id: 'holds-card' },
        h('div', { class: 'toolbar' }, h('h2', { text: 'Holds' }),
          h('span', { class: 'muted small', text: 'A held snapshot cannot be destroyed. Replications hold the newest snapshot both sides share.' })),
        h('div', { id: 'holds' })));
    loadSnapshots();
    loadHolds();
  }

  async function loadSnapshots() {
    const box = detail.querySelector('#snapshots');
    if (!box) return;
    const mine = ++loadSeq;
    let page;
    try {
      page = await api('GET', '/snapshots', {
        query: { dataset: state.selected, sort: state.sort, order: state.order, filter: state.filter, offset: state.offset, limit: state.limit },
      });
    } catch (e) {
      if (mine === loadSeq) clear(box).appendChild(h('p', { class: 'form-error', text: e.message }));
      return;
    }
    if (mine !== loadSeq) return;
    if (page.items.length === 0 && page.total > 0 && state.offset > 0) {
      state.offset = Math.max(0, (Math.ceil(page.total / state.limit) - 1) * state.limit);
      return loadSnapshots();
    }
    clear(box);
    if (page.total === 0) {
      box.appendChild(h('p', { class: 'empty', id: 'no-snapshots',
        text: state.filter ? 'No snapshot matches “' + state.filter + '”.' : 'No snapshots yet.' }));
      return;
    }
    box.append(snapshotTable(page.items), pager(page));
  }

  function sortHeader(label, key) {
    const active = state.sort === key;
    const arrow = active ? (state.order === 'asc' ? ' ▲' : ' ▼') : '';
    return h('th', { 'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : null },
      h('button', {
        type: 'button', class: 'th-sort', dataset: { sort: key }, text: label + arrow,
        onclick: () => {
          if (state.sort === key) state.order = state.order === 'asc' ? 'desc' : 'asc';
          else {
            state.sort = key;
            state.order = key === 'name' ? 'asc' : 'desc';
          }
          state.offset = 0;
          remember();
          loadSnapshots();
        },
      }));
  }

  function snapshotTable(items) {
    const d = state.datasets.find((x) => x.name === state.selected);
    const embedded = d && d.provider === 'embedded';
    return h('table', { class: 'table', id: 'snapshot-table' },
      h('thead', {}, h('tr', {}, sortHeader('Name', 'name'), sortHeader('Created', 'createTxg'),
        h('th', { class: 'num', text: 'Used' }), h('th', { class: 'num', text: 'Referenced' }),
        h('th', { class: 'num', text: 'Holds' }), h('th', { class: 'actions', text: 'Actions' }))),
      h('tbody', {}, items.map((s) => h('tr', { dataset: { snapshot: s.name } },
        h('td', { class: 'mono', text: s.snapshot }),
        h('td', { class: 'when', text: dateTime(s.createdAt) }),
        h('td', { class: 'num', text: bytes(s.used) }),
        h('td', { class: 'num', text: bytes(s.referenced) }),
        h('td', { class: 'num', text: String(s.holds) }),
        h('td', { class: 'actions' },
          embedded ? h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'browse' }, text: 'Browse', onclick: () => browse(s) }) : null,
          h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'hold' }, text: 'Hold', onclick: () => hold(s) }),
          s.holds > 0 ? h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'release' }, text: 'Release', onclick: () => release(s) }) : null,
          h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'rollback' }, text: 'Roll back', onclick: () => rollback(s) }),
          h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', dataset: { action: 'destroy' }, text: 'Destroy', onclick: () => destroy(s) })))))); 
  }

  function pager(page) {
    const first = page.offset + 1;
    const last = page.offset + page.items.length;
    const size = h('select', { class: 'input input-small', 'aria-label': 'Snapshots per page' },
      PAGE_SIZES.map((n) => h('option', { value: n, text: n + ' per page', selected: n === state.limit })));
    size.addEventListener('change', () => {
      state.limit = Number(size.value);
      state.offset = 0;
      remember();
      loadSnapshots();
    });
    return h('div', { class: 'pager' },
      h('span', { class: 'muted', id: 'pager-info', text: `${first}–${last} of ${page.total}` }),
      h('div', { class: 'pager-buttons' }, size,
        h('button', { type: 'button', class: 'btn btn-small', id: 'page-prev', text: '‹ Previous', disabled: page.offset === 0,
          onclick: () => { state.offset = Math.max(0, state.offset - state.limit); loadSnapshots(); } }),
        h('button', { type: 'button', class: 'btn btn-small', id: 'page-next', text: 'Next ›', disabled: last >= page.total,
          onclick: () => { state.offset += state.limit; loadSnapshots(); } })));
  }

  async function takeSnapshot(d) {
    const hasChildren = state.datasets.some((x) => x.name.startsWith(d.name + '/'));
    const done = await formDialog({
      title: 'Take a snapshot of ' + d.name,
      fields: [
        { name: 'name', label: 'Snapshot name', value: defaultName(), help: 'Letters, digits, _ . : + and -.' },
        hasChildren ? { name: 'recursive', label: 'Also snapshot every dataset below it (atomically)', type: 'checkbox' } : null,
      ].filter(Boolean),
      submitLabel: 'Take snapshot',
      onSubmit: (v) => api('POST', '/snapshots', { body: { dataset: d.name, name: v.name, recursive: !!v.recursive } }),
    });
    if (done) {
      toast('Created ' + done.created.join(', '), 'ok');
      await refresh();
    }
  }

  async function destroy(s) {
    const done = await formDialog({
      title: 'Destroy snapshot',
      intro: h('p', {}, 'Destroy ', h('strong', { class: 'mono', text: s.name }), '? Its data is gone for good.'),
      submitLabel: 'Destroy',
      danger: true,
      onSubmit: async () => {
        const r = await api('DELETE', '/snapshots', { query: { name: s.name } });
        const why = r.skipped && r.skipped[s.name];
        if (why) throw new Error(s.name + ' was not destroyed: ' + why);
        return r;
      },
    });
    if (done) {
      toast('Destroyed ' + s.name, 'ok');
      await refresh();
    }
  }

  async function rollback(s) {
    const done = await formDialog({
      title: 'Roll back',
      intro: h('p', {}, 'Roll ', h('strong', { class: 'mono', text: s.dataset }), ' back to ',
        h('strong', { class: 'mono', text: '@' + s.snapshot }), '? Changes made since are lost.'),
      fields: [{ name: 'destroyNewer', label: 'Destroy the snapshots newer than this one', type: 'checkbox' }],
      submitLabel: 'Roll back',
      danger: true,
      onSubmit: (v) => api('POST', '/snapshots/rollback', { body: { name: s.name, destroyNewer: v.destroyNewer } }),
    });
    if (done) {
      toast('Rolled back to ' + s.name, 'ok');
      await refresh();
    }
  }

  async function hold(s) {
    const done = await formDialog({
      title: 'Hold ' + s.name,
      intro: 'A held snapshot cannot be destroyed until every hold is released.',
      fields: [{ name: 'tag', label: 'Hold tag', value: 'keep', help: 'Letters, digits, _ . : and -.' }],
      submitLabel: 'Hold',
      onSubmit: (v) => api('POST', '/snapshots/holds', { body: { name: s.name, tag: v.tag } }),
    });
    if (done) {
      toast('Held ' + s.name, 'ok');
      await loadSnapshots();
      await loadHolds();
    }
  }

  async function release(s) {
    const tags = await api('GET', '/snapshots/holds', { query: { name: s.name } });
    if (!tags.length) {
      toast(s.name + ' has no holds', 'info');
      return loadSnapshots();
    }
    const done = await formDialog({
      title: 'Release a hold on ' + s.name,
      fields: [{ name: 'tag', label: 'Hold tag', type: 'select', options: tags }],
      submitLabel: 'Release',
      onSubmit: (v) => api('DELETE', '/snapshots/holds', { query: { name: s.name, tag: v.tag } }),
    });
    if (done) {
      toast('Released ' + s.name, 'ok');
      await loadSnapshots();
      await loadHolds();
    }
  }

  async function loadHolds() {
    const box = detail.querySelector('#holds');
    if (!box) return;
    const dataset = state.selected;
    let holds;
    try {
      holds = await api('GET', '/holds', { query: { dataset } });
    } catch (e) {
      clear(box).appendChild(h('p', { class: 'form-error', text: e.message }));
      return;
    }
    if (dataset !== state.selected) return;
    clear(box);
    if (!holds.length) {
      box.appendChild(h('p', { class: 'empty', id: 'no-holds', text: 'No snapshot of this dataset is held.' }));
      return;
    }
    box.appendChild(h('table', { class: 'table table-compact', id: 'hold-table' },
      h('thead', {}, h('tr', {}, ['Snapshot', 'Tag', 'Placed by'].map((t) => h('th', { text: t })))),
      h('tbody', {}, holds.map((x) => h('tr', { dataset: { snapshot: x.snapshot, tag: x.tag } },
        h('td', { class: 'mono', text: x.snapshot.slice(x.snapshot.indexOf('@')) }),
        h('td', { class: 'mono', text: x.tag }),
        h('td', {}, x.replication
          ? h('a', { href: '#/replication', class: 'hold-replication', text: 'replication ' + x.replication })
          : h('span', { class: 'muted', text: 'by hand' })))))));
  }

  /** The embedded store's view of a snapshot: its tree, navigable, with restore on each entry. */
  async function browse(s) {
    const body = h('div', { id: 'browse' });
    const crumbs = h('nav', { class: 'crumbs', id: 'browse-path', 'aria-label': 'Path' });
    const listing = h('div', { class: 'browse-list' });
    body.append(crumbs, listing);
    async function open(path) {
      clear(crumbs);
      const parts = path.split('/').filter(Boolean);
      crumbs.appendChild(h('button', { type: 'button', class: 'crumb', dataset: { path: '/' }, text: s.snapshot, onclick: () => open('/') }));
      parts.forEach((p, i) => {
        const to = '/' + parts.slice(0, i + 1).join('/');
        crumbs.append(h('span', { class: 'crumb-sep', text: '/' }),
          h('button', { type: 'button', class: 'crumb', dataset: { path: to }, text: p, onclick: () => open(to) }));
      });
      let entries;
      try {
        entries = await api('GET', '/snapshots/browse', { query: { name: s.name, path } });
      } catch (e) {
        clear(listing).appendChild(h('p', { class: 'form-error', text: e.message }));
        return;
      }
      entries.sort((a, b) => (a.type === 'dir' ? 0 : 1) - (b.type === 'dir' ? 0 : 1) || a.name.localeCompare(b.name));
      const join = (name) => (path === '/' ? '' : path) + '/' + name;
      clear(listing).appendChild(entries.length ? h('table', { class: 'table table-compact', id: 'browse-table' },
        h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { class: 'num', text: 'Size' }), h('th', { text: 'Modified' }),
          h('th', { class: 'actions', text: '' }))),
        h('tbody', {}, entries.map((e) => h('tr', { dataset: { entry: e.name, type: e.type } },
          h('td', {}, e.type === 'dir'
            ? h('button', { type: 'button', class: 'link entry-dir', text: e.name + '/', onclick: () => open(join(e.name)) })
            : h('span', { class: 'mono', text: e.name + (e.linkTarget ? ' → ' + e.linkTarget : '') })),
          h('td', { class: 'num', text: e.type === 'dir' ? '' : bytes(e.size) }),
          h('td', { class: 'when', text: dateTime(e.mtime) }),
          h('td', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'restore' }, text: 'Restore…',
            onclick: () => restore(s, join(e.name), e) }))))))
        : h('p', { class: 'empty', text: 'This directory is empty.' }));
    }
    const shown = messageDialog({ title: 'Browse ' + s.name, body, wide: true });
    await open('/');
    await shown;
  }

  async function restore(s, path, entry) {
    const d = state.datasets.find((x) => x.name === s.dataset);
    const suggestion = (d && d.mountpoint ? d.mountpoint : '/tmp') + path + '.restored';
    const done = await formDialog({
      title: 'Restore ' + path,
      intro: h('p', {}, 'Restore the ' + (entry.type === 'dir' ? 'directory ' : 'file '), h('strong', { class: 'mono', text: path }),
        ' as it was in ', h('strong', { class: 'mono', text: '@' + s.snapshot }), ' to a path on this box.'),
      fields: [{ name: 'destination', label: 'Destination', value: suggestion, class: 'mono', help: 'An absolute path that does not exist yet, in a directory that does.' }],
      submitLabel: 'Restore',
      onSubmit: (v) => api('POST', '/snapshots/restore', { body: { name: s.name, path, destination: v.destination } }),
    });
    if (done) toast('Restored ' + path + ' to ' + done.to, 'ok');
  }

  async function refresh() {
    await loadTree();
    drawDetail();
  }

  await loadTree();
  drawDetail();
  return () => clearTimeout(filterTimer);
}

function defaultName() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `manual-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}
