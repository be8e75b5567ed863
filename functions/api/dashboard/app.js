// The Strata dashboard: plain browser JavaScript over the API (relative URLs under <base>).
// The API key is entered once and kept in this browser's localStorage.
(() => {
  const $ = (id) => document.getElementById(id);
  const FINAL = ['done', 'quarantined', 'failed'];
  const state = { key: localStorage.getItem('strata.key') || '', cursor: null, prefix: '', hls: null, poll: null };

  function say(text) {
    $('status').textContent = text;
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') node.className = v;
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children) node.append(c);
    return node;
  }

  async function api(path, options = {}) {
    const headers = { ...(options.headers || {}) };
    if (state.key) headers.authorization = `Bearer ${state.key}`;
    if (options.body) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method: options.method || (options.body ? 'POST' : 'GET'), headers, body: options.body ? JSON.stringify(options.body) : undefined });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error(body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
      err.code = body?.error?.code;
      throw err;
    }
    return body;
  }

  function bytes(n) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    let v = n;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i += 1;
    }
    return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
  }

  // Key entry
  function showKeyState() {
    $('forget-key').hidden = !state.key;
    $('api-key').placeholder = state.key ? 'key saved in this browser' : 'strata_…';
  }
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.key = $('api-key').value.trim();
    localStorage.setItem('strata.key', state.key);
    $('api-key').value = '';
    showKeyState();
    loadAssets(true);
  });
  $('forget-key').addEventListener('click', () => {
    state.key = '';
    localStorage.removeItem('strata.key');
    showKeyState();
  });

  // Navigation
  const loaders = { assets: () => loadAssets(true), duplicates: loadDuplicates, quarantine: loadQuarantine, storage: loadStorage, scrub: loadScrub };
  for (const button of document.querySelectorAll('nav button')) {
    button.addEventListener('click', () => {
      for (const b of document.querySelectorAll('nav button')) b.removeAttribute('aria-current');
      button.setAttribute('aria-current', 'page');
      for (const s of document.querySelectorAll('main section')) s.hidden = s.dataset.section !== button.dataset.view;
      $('main').focus();
      loaders[button.dataset.view]().catch((err) => say(err.message));
    });
  }

  // Uploads: presigned PUT, or presigned multipart over 64 MiB
  const PART = 16 * 1024 * 1024;
  async function uploadFile(file, key) {
    const contentType = file.type || 'application/octet-stream';
    if (file.size <= 64 * 1024 * 1024) {
      const p = await api('v1/uploads', { body: { key, contentType } });
      const res = await fetch(p.url, { method: 'PUT', headers: p.headers, body: file });
      if (!res.ok) throw new Error(`upload of ${key} failed: HTTP ${res.status}`);
      return;
    }
    const { uploadId } = await api('v1/uploads/multipart', { body: { key, contentType } });
    const count = Math.ceil(file.size / PART);
    const parts = [];
    for (let first = 1; first <= count; first += 100) {
      const numbers = [];
      for (let n = first; n < Math.min(first + 100, count + 1); n++) numbers.push(n);
      const { parts: urls } = await api('v1/uploads/multipart/parts', { body: { key, uploadId, partNumbers: numbers } });
      for (const p of urls) {
        const res = await fetch(p.url, { method: 'PUT', body: file.slice((p.partNumber - 1) * PART, p.partNumber * PART) });
        if (!res.ok) throw new Error(`part ${p.partNumber} failed: HTTP ${res.status}`);
        parts.push({ partNumber: p.partNumber, etag: res.headers.get('etag') });
        say(`Uploading ${key}: part ${p.partNumber} of ${count}`);
      }
    }
    await api('v1/uploads/multipart/complete', { body: { key, uploadId, parts } });
  }

  $('upload-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const files = [...$('upload-files').files];
    const prefix = $('upload-prefix').value;
    try {
      for (const file of files) {
        say(`Uploading ${file.name}…`);
        await uploadFile(file, `${prefix}${file.name}`);
      }
      say(`Uploaded ${files.length} file(s); processing…`);
      $('filter-prefix').value = prefix;
      state.prefix = prefix;
      await loadAssets(true);
    } catch (err) {
      say(err.message);
    }
  });

  $('filter-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.prefix = $('filter-prefix').value;
    loadAssets(true).catch((err) => say(err.message));
  });
  $('more-assets').addEventListener('click', () => loadAssets(false).catch((err) => say(err.message)));

  function assetTile(item) {
    const img = item.thumbnailUrl
      ? el('img', { src: item.thumbnailUrl, alt: `Thumbnail of ${item.key}`, loading: 'lazy', width: 160, height: 120 })
      : el('div', { class: 'thumb-missing' }, item.status === 'quarantined' ? 'quarantined' : 'no thumbnail yet');
    const button = el('button', { type: 'button', 'data-key': item.key }, img, el('span', { class: 'key' }, item.key), el('span', {}, el('span', { class: `badge ${item.status}` }, item.status), ` ${item.contentType}, ${bytes(item.size)}`));
    if (item.reason) button.append(el('span', { class: 'note' }, `${item.reason.code}: ${item.reason.message}`));
    button.addEventListener('click', () => showAsset(item.key).catch((err) => say(err.message)));
    return el('li', { 'data-key': item.key, 'data-status': item.status }, button);
  }

  async function loadAssets(reset) {
    if (!state.key) return say('Enter an API key to browse assets.');
    if (reset) state.cursor = null;
    const q = new URLSearchParams({ prefix: state.prefix, limit: '48' });
    if (state.cursor) q.set('cursor', state.cursor);
    const page = await api(`v1/assets?${q}`);
    const list = $('asset-list');
    if (reset) list.replaceChildren();
    for (const item of page.items) {
      const old = list.querySelector(`li[data-key="${CSS.escape(item.key)}"]`);
      if (old) old.replaceWith(assetTile(item));
      else list.append(assetTile(item));
    }
    state.cursor = page.nextCursor;
    $('more-assets').hidden = !page.nextCursor;
    clearTimeout(state.poll);
    if (page.items.some((i) => !FINAL.includes(i.status)) || list.children.length === 0) state.poll = setTimeout(() => loadAssets(true).catch((err) => say(err.message)), 2000);
    if (reset) say(page.items.length === 0 ? 'No assets under this prefix yet.' : `${list.children.length} asset(s)${page.nextCursor ? ', more below' : ''}`);
  }

  async function showAsset(key) {
    const card = await api(`v1/assets/card?key=${encodeURIComponent(key)}`);
    const detail = $('asset-detail');
    detail.hidden = false;
    $('detail-title').textContent = key;
    const facts = [
      ['Status', card.status + (card.reason ? ` (${card.reason.code}: ${card.reason.message})` : '')],
      ['Type', card.source.contentType],
      ['Size', bytes(card.source.size)],
      ['SHA-256', card.source.sha256],
      ['Updated', card.updatedAt],
    ];
    $('detail-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    const { outputs } = await api(`v1/assets/outputs?key=${encodeURIComponent(key)}`);
    $('detail-outputs').replaceChildren(...outputs.filter((o) => !o.kind.startsWith('hls-segment')).map((o) => el('li', {}, el('a', { href: o.url, target: '_blank', rel: 'noopener' }, `${o.kind} — ${o.contentType}, ${bytes(o.bytes)}`))));
    await playHls(card, key);
    api(`v1/assets/features?key=${encodeURIComponent(key)}`)
      .then((f) => ($('detail-features').textContent = JSON.stringify(f, null, 2)))
      .catch((err) => ($('detail-features').textContent = err.message));
    api(`v1/assets/similar?key=${encodeURIComponent(key)}&limit=8`)
      .then((s) => {
        const items = s.items.map((i) => el('li', {}, assetRef(i), el('span', { class: 'note' }, ` similarity ${i.score.toFixed(3)}`)));
        $('detail-similar').replaceChildren(...(items.length ? items : [el('li', { class: 'note' }, 'No similar assets indexed.')]));
      })
      .catch((err) => $('detail-similar').replaceChildren(el('li', { class: 'note' }, err.message)));
    $('detail-title').scrollIntoView();
    $('close-detail').focus();
  }

  async function playHls(card, key) {
    if (state.hls) {
      state.hls.destroy();
      state.hls = null;
    }
    const video = $('player');
    const hasHls = card.outputs.some((o) => o.kind === 'hls-master');
    $('player-box').hidden = !hasHls;
    window.strataHls = { fatal: null, playing: false };
    if (!hasHls) return;
    const { url } = await api(`v1/assets/hls?key=${encodeURIComponent(key)}`);
    if (window.Hls?.isSupported()) {
      const hls = new window.Hls();
      state.hls = hls;
      hls.on(window.Hls.Events.ERROR, (_e, data) => {
        if (data.fatal) window.strataHls.fatal = `${data.type}: ${data.details}`;
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = url;
    }
    video.play().then(() => (window.strataHls.playing = true)).catch(() => undefined);
  }
  $('close-detail').addEventListener('click', () => {
    $('asset-detail').hidden = true;
    if (state.hls) state.hls.destroy();
    state.hls = null;
  });

  // An asset found by search: its thumbnail and key, opening its card when it is an upload.
  function assetRef(ref) {
    const img = ref.thumbnailUrl ? el('img', { src: ref.thumbnailUrl, alt: '', loading: 'lazy', width: 64, height: 48 }) : '';
    if (!ref.key) return el('span', { class: 'ref' }, img, ref.uri);
    const button = el('button', { type: 'button', class: 'ref' }, img, ref.key);
    button.addEventListener('click', () => {
      document.querySelector('nav button[data-view="assets"]').click();
      showAsset(ref.key).catch((err) => say(err.message));
    });
    return button;
  }

  async function loadDuplicates() {
    const mode = $('duplicates-mode').value;
    try {
      const d = await api(`v1/duplicates?mode=${mode}&limit=100`);
      const groups = d.groups.map((g, i) => el('section', { class: 'group', 'data-mode': g.mode }, el('h3', {}, `Group ${i + 1} (${g.members.length})`), el('ul', {}, ...g.members.map((m) => el('li', { 'data-key': m.key || m.uri }, assetRef(m))))));
      $('duplicates').replaceChildren(...(groups.length ? groups : [el('p', { class: 'note' }, `No ${mode} duplicates among the indexed assets.`)]), ...(d.more ? [el('p', { class: 'note' }, 'More groups not shown.')] : []));
    } catch (err) {
      $('duplicates').replaceChildren(el('p', { class: 'note' }, err.message));
    }
  }
  $('duplicates-mode').addEventListener('change', () => loadDuplicates());

  async function loadQuarantine() {
    const q = await api('v1/quarantine?limit=200');
    $('quarantine-rows').replaceChildren(...q.items.map((i) => el('tr', {}, el('td', {}, i.key), el('td', {}, i.reason.code), el('td', {}, i.reason.message))));
    if (!q.items.length) $('quarantine-rows').replaceChildren(el('tr', {}, el('td', { colSpan: 3 }, 'Nothing quarantined.')));
  }

  function barChart(title, rows) {
    const max = Math.max(1, ...rows.map((r) => r.value));
    const h = 28 * rows.length + 10;
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', `0 0 600 ${h}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `${title}: ${rows.map((r) => `${r.label} ${r.text}`).join(', ')}`);
    svg.style.width = '100%';
    rows.forEach((r, i) => {
      const y = 5 + i * 28;
      const rect = document.createElementNS(svg.namespaceURI, 'rect');
      rect.setAttribute('x', '220');
      rect.setAttribute('y', String(y));
      rect.setAttribute('height', '20');
      rect.setAttribute('width', String(Math.max(1, (r.value / max) * 300)));
      rect.setAttribute('class', 'bar');
      const label = document.createElementNS(svg.namespaceURI, 'text');
      label.setAttribute('x', '0');
      label.setAttribute('y', String(y + 15));
      label.setAttribute('class', 'chart-label');
      label.textContent = r.label;
      const value = document.createElementNS(svg.namespaceURI, 'text');
      value.setAttribute('x', String(226 + (r.value / max) * 300));
      value.setAttribute('y', String(y + 15));
      value.setAttribute('class', 'chart-label');
      value.textContent = r.text;
      svg.append(rect, label, value);
    });
    return el('figure', {}, el('figcaption', {}, title), svg);
  }

  async function loadStorage() {
    const s = await api('v1/storage/classes');
    const rows = Object.entries(s.buckets).flatMap(([bucket, classes]) => Object.entries(classes).map(([cls, v]) => ({ label: `${bucket} ${cls}`, value: v.bytes, text: `${bytes(v.bytes)} (${v.objects})` })));
    $('storage-chart').replaceChildren(barChart('Bytes by bucket and storage class', rows), ...(s.truncated ? [el('p', { class: 'note' }, 'Listing capped: counts are lower bounds.')] : []));
    try {
      const status = await api('v1/lifecycle/status');
      const charts = status.buckets.map((b) => {
        const classes = [...new Set([...Object.keys(b.cost.before.byClass), ...Object.keys((b.cost.after || b.cost.before).byClass)])];
        const money = (n) => `${n.toFixed(4)} ${b.cost.currency}`;
        const rows = classes.flatMap((cls) => [
          { label: `${cls} now`, value: b.cost.before.byClass[cls]?.monthly || 0, text: money(b.cost.before.byClass[cls]?.monthly || 0) },
          { label: `${cls} after rules`, value: (b.cost.after || b.cost.before).byClass[cls]?.monthly || 0, text: money((b.cost.after || b.cost.before).byClass[cls]?.monthly || 0) },
        ]);
        const summary = `${b.bucket}: ${money(b.cost.before.monthly)} per month now, ${money(b.cost.after ? b.cost.after.monthly : b.cost.before.monthly)} after ${b.rules ? 'its lifecycle rules' : 'no rules (none stored)'}; one-time early-deletion charges ${money(b.cost.earlyDeletion)}. Last run: ${b.run ? `${b.run.status}, ${b.run.updatedAt}` : 'never'}.`;
        const figure = barChart(`${b.bucket}: monthly cost by storage class (${b.cost.region})`, rows);
        figure.dataset.bucket = b.bucket;
        return el('div', {}, figure, el('p', { class: 'note' }, summary), ...(b.truncated ? [el('p', { class: 'note' }, 'Listing capped: costs are lower bounds.')] : []));
      });
      $('cost-chart').replaceChildren(...charts, el('p', { class: 'note' }, `Prices: ${status.buckets[0]?.cost.prices.source || 'none'}`));
    } catch (err) {
      $('cost-chart').replaceChildren(el('p', { class: 'note' }, err.message));
    }
  }

  async function loadScrub() {
    const { reports } = await api('v1/scrub/reports?limit=10');
    if (!reports.length) return $('scrub').replaceChildren(el('p', { class: 'note' }, 'No scrub report yet.'));
    $('scrub').replaceChildren(
      ...reports.map((r) =>
        el('article', {}, el('h3', {}, r.startedAt || r.key), el('p', {}, `checked ${r.checked ?? '?'} objects, ${bytes(r.bytesChecked || 0)}; ${Object.entries(r.counts || {}).map(([k, v]) => `${k} ${v}`).join(', ')}`)),
      ),
    );
  }

  showKeyState();
  if (state.key) loadAssets(true).catch((err) => say(err.message));
  else say('Enter an API key to begin.');
})();
