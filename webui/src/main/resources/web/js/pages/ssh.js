// SSH between boxes: this box's host key, key pairs, connections to other boxes (pairing or
// manual, with a connection test), the peers allowed in, and one-time pairing tokens.
import { api } from '../api.js';
import { h, clear, formDialog, toast } from '../dom.js';
import { dateTime } from '../format.js';

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied', 'ok');
  } catch {
    toast('The browser did not allow copying; select the text and copy it by hand.', 'error');
  }
}

function copyButton(text, action) {
  return h('button', { type: 'button', class: 'btn btn-small', dataset: { action }, text: 'Copy', onclick: () => copy(text) });
}

function table(id, headers, rows) {
  return h('table', { class: 'table', id },
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { class: t === 'Actions' ? 'actions' : null, text: t })))),
    h('tbody', {}, rows));
}

function lines(text) {
  return String(text || '').split(/[\s,]+/).filter((s) => s);
}

export async function render(root) {
  root.appendChild(h('header', { class: 'page-head' }, h('h1', { text: 'SSH' })));
  const hostBox = h('div', { id: 'host-key' });
  const keysBox = h('div', { id: 'keypairs' });
  const connBox = h('div', { id: 'connections' });
  const peersBox = h('div', { id: 'peers' });
  const tokensBox = h('div', { id: 'pair-tokens' });

  root.appendChild(h('section', { class: 'section' },
    h('div', { class: 'card' }, h('div', { class: 'toolbar' }, h('h2', { text: 'This box' })), hostBox),
    h('div', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', { text: 'Connections' }),
        h('div', { class: 'toolbar-right' },
          h('button', { type: 'button', class: 'btn btn-primary', id: 'pair', text: 'Pair with a box', onclick: pair }),
          h('button', { type: 'button', class: 'btn', id: 'new-connection', text: 'Add manually', onclick: manual }))),
      h('p', { class: 'muted', text: 'Boxes this one connects to. Pairing needs a one-time token made on the other box (its SSH page, or "snapferry pair-token"); the token also proves the other box\'s identity.' }),
      connBox),
    h('div', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', { text: 'Key pairs' }),
        h('div', { class: 'toolbar-right' },
          h('button', { type: 'button', class: 'btn btn-primary', id: 'new-keypair', text: 'Generate', onclick: generate }),
          h('button', { type: 'button', class: 'btn', id: 'import-keypair', text: 'Import', onclick: importKey }))),
      h('p', { class: 'muted', text: 'This box authenticates to other boxes with these keys. Private keys never leave the box.' }),
      keysBox),
    h('div', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', { text: 'Peers' }),
        h('button', { type: 'button', class: 'btn btn-primary', id: 'new-pair-token', text: 'New pairing token', onclick: newToken })),
      h('p', { class: 'muted', text: 'Boxes allowed to connect to this one, and what each may do. A peer is added by pairing: make a token here and use it on the other box.' }),
      peersBox, tokensBox)));

  async function loadHost() {
    const k = await api('GET', '/host-key');
    clear(hostBox).appendChild(h('dl', { class: 'props' },
      h('dt', { text: 'Box id' }), h('dd', { class: 'mono', text: k.boxId }),
      h('dt', { text: 'SSH port' }), h('dd', { class: 'mono', id: 'ssh-port', text: String(k.sshPort) }),
      h('dt', { text: 'Host key' }), h('dd', {}, h('span', { class: 'mono', id: 'host-fingerprint', text: k.fingerprint }), ' ',
        copyButton(k.publicKey, 'copy-host-key'))));
  }

  async function loadKeys() {
    const keys = await api('GET', '/keypairs');
    clear(keysBox);
    if (!keys.length) {
      keysBox.appendChild(h('p', { class: 'empty', text: 'No key pairs yet; pairing makes one.' }));
      return keys;
    }
    keysBox.appendChild(table('keypair-table', ['Name', 'Type', 'Fingerprint', 'Actions'], keys.map((k) =>
      h('tr', { dataset: { keypair: k.name } },
        h('td', { class: 'mono', text: k.name }),
        h('td', { text: k.type }),
        h('td', { class: 'mono', text: k.fingerprint }),
        h('td', { class: 'actions' }, copyButton(k.publicKey, 'copy-public-key'),
          h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', dataset: { action: 'delete' }, text: 'Delete',
            onclick: () => remove('key pair', k.name, '/keypairs/', 'Connections using it must be changed first.') }))))));
    return keys;
  }

  async function loadConnections() {
    const conns = await api('GET', '/connections');
    clear(connBox);
    if (!conns.length) {
      connBox.appendChild(h('p', { class: 'empty', id: 'no-connections', text: 'No connections.' }));
      return;
    }
    connBox.appendChild(table('connection-table', ['Name', 'Target', 'Key pair', 'Host key', 'Test', 'Actions'], conns.map((c) => {
      const result = h('span', { class: 'test-result', dataset: { testResult: c.name } });
      const test = async () => {
        clear(result).appendChild(h('span', { class: 'muted', text: 'testing…' }));
        try {
          const t = await api('POST', '/connections/' + encodeURIComponent(c.name) + '/test');
          clear(result).appendChild(h('span', {
            class: 'badge ' + (t.ok ? 'badge-ok' : 'badge-danger'), dataset: { outcome: t.outcome }, text: t.outcome.toLowerCase().replace(/_/g, ' '),
          }));
          result.appendChild(h('p', { class: 'small', text: t.message }));
        } catch (e) {
          clear(result).appendChild(h('span', { class: 'badge badge-danger', text: e.message }));
        }
      };
      return h('tr', { dataset: { connection: c.name } },
        h('td', { class: 'mono', text: c.name }),
        h('td', { class: 'mono', text: `${c.user}@${c.host}:${c.port}` }),
        h('td', { class: 'mono', text: c.keyPair }),
        h('td', { class: 'mono', text: c.hostKeyFingerprint }),
        h('td', {}, result),
        h('td', { class: 'actions' },
          h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'test' }, text: 'Test', onclick: test }),
          h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', dataset: { action: 'delete' }, text: 'Delete',
            onclick: () => remove('connection', c.name, '/connections/', 'Replications using it stop working.') })));
    })));
  }

  async function loadPeers() {
    const peers = await api('GET', '/peers');
    clear(peersBox);
    if (!peers.length) {
      peersBox.appendChild(h('p', { class: 'empty', id: 'no-peers', text: 'No peers.' }));
      return;
    }
    peersBox.appendChild(table('peer-table', ['Name', 'Fingerprint', 'Receives into', 'May read', 'Actions'], peers.map((p) =>
      h('tr', { dataset: { peer: p.name } },
        h('td', { class: 'mono', text: p.name }),
        h('td', { class: 'mono', text: p.fingerprint }),
        h('td', { class: 'mono', text: p.receiveRoot || '—' }),
        h('td', { class: 'mono', text: p.readable.length ? p.readable.join(', ') : '—' }),
        h('td', { class: 'actions' },
          h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'edit' }, text: 'Edit', onclick: () => editPeer(p) }),
          h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', dataset: { action: 'delete' }, text: 'Remove',
            onclick: () => remove('peer', p.name, '/peers/', 'It can no longer connect to this box.') }))))));
  }

  async function loadTokens() {
    const tokens = await api('GET', '/pair-tokens');
    clear(tokensBox);
    if (tokens.length) {
      tokensBox.appendChild(h('p', { class: 'muted', id: 'pending-tokens',
        text: `${tokens.length} pairing token(s) not used yet; the last expires ${dateTime(tokens[tokens.length - 1].expiresAt)}.` }));
    }
  }

  async function remove(what, name, path, consequence) {
    const done = await formDialog({
      title: 'Delete ' + what,
      intro: h('p', {}, 'Delete ' + what + ' ', h('strong', { class: 'mono', text: name }), '? ' + consequence),
      submitLabel: 'Delete',
      danger: true,
      onSubmit: () => api('DELETE', path + encodeURIComponent(name)),
    });
    if (done) {
      toast('Deleted ' + name, 'ok');
      await reload();
    }
  }

  async function generate() {
    const k = await formDialog({
      title: 'Generate a key pair',
      fields: [
        { name: 'name', label: 'Name', help: 'Lower-case letters, digits, _ and -.' },
        { name: 'type', label: 'Type', type: 'select', options: ['ed25519', 'rsa'], help: 'Ed25519 unless the other side needs RSA.' },
      ],
      submitLabel: 'Generate',
      onSubmit: (v) => api('POST', '/keypairs', { body: { name: v.name, type: v.type } }),
    });
    if (k) {
      toast('Created ' + k.name, 'ok');
      await loadKeys();
    }
  }

  async function importKey() {
    const k = await formDialog({
      title: 'Import a key pair',
      fields: [
        { name: 'name', label: 'Name' },
        { name: 'privateKey', label: 'Private key', type: 'textarea', help: 'The text of an OpenSSH or PEM private key file.' },
        { name: 'passphrase', label: 'Passphrase', type: 'password', autocomplete: 'off', help: 'Only when the key is encrypted. The box stores the key unencrypted, readable only by the daemon.' },
      ],
      submitLabel: 'Import',
      onSubmit: (v) => api('POST', '/keypairs/import', { body: { name: v.name, privateKey: v.privateKey, passphrase: v.passphrase || null } }),
    });
    if (k) {
      toast('Imported ' + k.name, 'ok');
      await loadKeys();
    }
  }

  async function pair() {
    const c = await formDialog({
      title: 'Pair with a box',
      intro: 'On the other box, make a pairing token (SSH page, "New pairing token"), then enter its web address and the token here.',
      fields: [
        { name: 'name', label: 'Connection name', help: 'How this box will call the other one, e.g. backup-box.' },
        { name: 'url', label: 'Address of the other box', placeholder: 'https://192.0.2.10:8443' },
        { name: 'token', label: 'Pairing token', autocomplete: 'off', class: 'mono' },
        { name: 'keyPair', label: 'Key pair', help: 'Made when it does not exist. Default: the connection name.' },
      ],
      submitLabel: 'Pair',
      onSubmit: (v) => api('POST', '/connections/pair', { body: { name: v.name, url: v.url, token: v.token, keyPair: v.keyPair || null } }),
    });
    if (c) {
      toast(`Paired: ${c.name}, host key ${c.hostKeyFingerprint}`, 'ok');
      await reload();
    }
  }

  async function manual() {
    const keys = await api('GET', '/keypairs');
    if (!keys.length) {
      toast('Generate or import a key pair first.', 'error');
      return;
    }
    const c = await formDialog({
      title: 'Add a connection',
      intro: 'Leave the host key empty to fetch it from the other box; you will be asked to confirm its fingerprint (compare it with the SSH page there).',
      fields: [
        { name: 'name', label: 'Name' },
        { name: 'host', label: 'Host' },
        { name: 'port', label: 'Port', type: 'number', value: '8022' },
        { name: 'user', label: 'User', value: 'snapferry' },
        { name: 'keyPair', label: 'Key pair', type: 'select', options: keys.map((k) => k.name) },
        { name: 'hostKey', label: 'Host key', class: 'mono', placeholder: 'ssh-ed25519 AAAA…', help: 'Optional: the other box\'s host key line.' },
      ],
      submitLabel: 'Save',
      onSubmit: async (v) => {
        let hostKey = v.hostKey;
        if (!hostKey) {
          const k = await api('POST', '/connections/discover-host-key', { body: { host: v.host, port: v.port } });
          const ok = await formDialog({
            title: 'Confirm the host key',
            intro: h('div', {},
              h('p', { text: `${v.host}:${v.port} presents this host key:` }),
              h('p', { class: 'mono', id: 'discovered-fingerprint', text: k.fingerprint }),
              h('p', { text: 'Save it only if it is the fingerprint the other box shows for itself.' })),
            submitLabel: 'It matches: pin it',
            onSubmit: async () => true,
          });
          if (!ok) throw new Error('Not saved: the host key was not confirmed.');
          hostKey = k.publicKey;
        }
        return api('POST', '/connections', { body: { ...v, hostKey } });
      },
    });
    if (c) {
      toast('Saved ' + c.name, 'ok');
      await loadConnections();
    }
  }

  async function editPeer(p) {
    const done = await formDialog({
      title: 'Peer ' + p.name,
      fields: [
        { name: 'receiveRoot', label: 'Receives into', value: p.receiveRoot || '', help: 'It may receive only into this dataset and below. Empty: it may not receive.' },
        { name: 'readable', label: 'May read', value: p.readable.join(' '), help: 'Datasets it may read (pull), separated by spaces.' },
      ],
      submitLabel: 'Save',
      onSubmit: (v) => api('PUT', '/peers/' + encodeURIComponent(p.name),
        { body: { receiveRoot: v.receiveRoot || null, readable: lines(v.readable) } }),
    });
    if (done) {
      toast('Saved ' + p.name, 'ok');
      await loadPeers();
    }
  }

  async function newToken() {
    const t = await formDialog({
      title: 'New pairing token',
      intro: 'A one-time token for another box to pair with this one. It is shown once and is good for one pairing.',
      fields: [
        { name: 'permissions', label: 'The other box may', type: 'select', options: ['receive', 'read', 'both'],
          help: 'receive: send its snapshots here; read: pull snapshots from here.' },
        { name: 'receiveRoot', label: 'Receives into', help: 'Dataset it may receive into. Empty: <first pool>/from-<its name>.' },
        { name: 'readable', label: 'May read', help: 'Datasets it may read, separated by spaces (with read or both).' },
        { name: 'ttl', label: 'Valid for', value: '15m', help: 'e.g. 15m, 1h (at most 24h).' },
      ],
      submitLabel: 'Create',
      onSubmit: (v) => api('POST', '/pair-tokens', { body: {
        permissions: v.permissions, receiveRoot: v.receiveRoot || null, readable: lines(v.readable), ttl: v.ttl || null,
      } }),
    });
    if (!t) return;
    await loadTokens();
    const value = h('input', { type: 'text', class: 'input mono', id: 'created-pair-token', readonly: true, value: t.token });
    await formDialog({
      title: 'Pairing token',
      intro: h('div', {},
        h('p', { text: `Copy the token now: it will not be shown again. It expires ${dateTime(t.expiresAt)}.` }),
        value, h('p', {}, copyButton(t.token, 'copy-pair-token')),
        h('p', { class: 'muted', text: `On the other box: SSH page, "Pair with a box", with this box's address (${location.origin}) and the token.` })),
      submitLabel: 'Done',
      onSubmit: async () => true,
    });
  }

  async function reload() {
    await Promise.all([loadKeys(), loadConnections(), loadPeers(), loadTokens()]);
  }

  await Promise.all([loadHost(), reload()]);
}
