// folio inspector: one page over the HTTP API. No dependencies, no build step.
'use strict';
const $ = (s) => document.querySelector(s);
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  for (const c of children) e.append(c);
  return e;
};
const state = {
  key: sessionStorage.getItem('folio-key') || '',
  doc: null, page: 1, zoom: 1, hidden: new Set(), selected: null, hit: null,
  after: null, pageUrl: null,
};

// --- talking to the API ------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, code, message, retry) { super(message); Object.assign(this, { status, code, retry }); }
}
async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers);
  if (state.key) headers.Authorization = 'Bearer ' + state.key;
  const r = await fetch(path, Object.assign({}, options, { headers }));
  if (r.ok) return r;
  let body = {};
  try { body = await r.json(); } catch (_) { /* not JSON */ }
  const e = body.error || {};
  throw new ApiError(r.status, e.code || String(r.status), e.message || r.statusText, r.headers.get('retry-after'));
}
const json = async (path, options) => (await api(path, options)).json();

function say(text, kind = 'info') {
  const s = $('#status');
  s.textContent = text;
  s.className = text ? kind : '';
}
function explain(err) {
  if (!(err instanceof ApiError)) return say('Network error: ' + err.message, 'error');
  const why = {
    401: 'This server needs an API key (or the key is wrong): enter it above.',
    404: 'Not found: ' + err.message,
    413: 'Too large: ' + err.message,
    415: 'Not a PDF or an image folio reads: ' + err.message,
    422: 'Could not process it: ' + err.message,
    429: 'The server is busy' + (err.retry ? `; try again in ${err.retry} s` : '') + ': ' + err.message,
    503: 'The server is still loading its models; try again in a few seconds.',
  }[err.status] || `Error ${err.status}: ${err.message}`;
  say(why, 'error');
  if (err.status === 401) showKeyForm();
}

// --- API key -----------------------------------------------------------------------------
function showKeyForm() { $('#key-form').hidden = false; $('#key').focus(); }
$('#key-button').onclick = showKeyForm;
$('#key-form').onsubmit = (ev) => {
  ev.preventDefault();
  state.key = $('#key').value.trim();
  sessionStorage.setItem('folio-key', state.key);
  $('#key-form').hidden = true;
  say('Key set for this tab.');
  loadDocuments(true);
  route();
};

// --- documents list ----------------------------------------------------------------------
async function loadDocuments(reset) {
  if (reset) { state.after = null; $('#documents').replaceChildren(); }
  try {
    const q = new URLSearchParams({ limit: '50' });
    if (state.after) q.set('after', state.after);
    const page = await json('/v1/documents?' + q);
    for (const d of page.documents) {
      const link = el('a', { href: `#/documents/${d.id}`, textContent: d.filename || d.id });
      const item = el('li', { title: d.id }, link, el('span', { className: 'hit-meta', textContent: ` ${d.pages} p.` }));
      item.dataset.name = (d.filename || d.id).toLowerCase();
      $('#documents').append(item);
    }
    state.after = page.next;
    $('#more').hidden = !page.next;
    filterDocuments();
  } catch (e) { explain(e); }
}
function filterDocuments() {
  const f = $('#filter').value.trim().toLowerCase();
  for (const li of $('#documents').children) li.hidden = f !== '' && !li.dataset.name.includes(f);
}
$('#filter').oninput = filterDocuments;
$('#more').onclick = () => loadDocuments(false);
$('#delete').onclick = async () => {
  const d = state.doc;
  if (!d || !confirm(`Delete ${d.source.filename || d.id} and its chunks?`)) return;
  try {
    await api(`/v1/documents/${d.id}`, { method: 'DELETE' });
    say('Deleted.');
    state.doc = null;
    location.hash = '';
    loadDocuments(true);
  } catch (e) { explain(e); }
};

// --- upload and job progress -------------------------------------------------------------
$('#upload').onsubmit = async (ev) => {
  ev.preventDefault();
  const file = $('#file').files[0];
  if (!file) return say('Choose a file first.', 'error');
  const form = new FormData();
  form.append('file', file);
  const q = new URLSearchParams({ pipeline: $('#pipeline').value, wait: '0' });
  const bar = $('#progress');
  try {
    say(`Uploading ${file.name}…`);
    const r = await api('/v1/documents?' + q, { method: 'POST', body: form });
    let body = await r.json();
    if (r.status === 202) {
      bar.hidden = false;
      let job = body.job;
      while (job.state === 'queued' || job.state === 'running') {
        bar.max = job.pages_total || 1;
        bar.value = job.pages_done;
        say(`${file.name}: ${job.state}, ${job.pages_done} of ${job.pages_total ?? '?'} pages`);
        await new Promise((ok) => setTimeout(ok, 400));
        job = await json(`/v1/jobs/${job.id}`);
      }
      bar.hidden = true;
      if (job.state !== 'succeeded') return say(`${file.name}: ${job.state}: ${job.error ? job.error.message : ''}`, 'error');
      body = { id: job.document_id };
    }
    say(`${file.name} extracted.`);
    loadDocuments(true);
    location.hash = `#/documents/${body.id}`;
  } catch (e) { bar.hidden = true; explain(e); }
};

// Dropping a file anywhere on the page uploads it with the chosen pipeline.
document.addEventListener('dragover', (ev) => ev.preventDefault());
document.addEventListener('drop', (ev) => {
  ev.preventDefault();
  if (!ev.dataTransfer || !ev.dataTransfer.files.length) return;
  $('#file').files = ev.dataTransfer.files;
  $('#upload').requestSubmit();
});

// --- a document, a page, its boxes -------------------------------------------------------
function route() {
  const m = location.hash.match(/^#\/documents\/([^/]+)(?:\/pages\/(\d+))?$/);
  if (m) openDocument(m[1], Number(m[2] || 1));
}
window.addEventListener('hashchange', route);

async function openDocument(id, page) {
  try {
    if (!state.doc || state.doc.id !== id) {
      say('Loading the document…');
      state.doc = await json(`/v1/documents/${id}`);
      state.selected = null;
      renderKinds();
      renderMarkdown();
      say('');
    }
    $('#delete').hidden = false;
    await showPage(Math.min(Math.max(page, 1), state.doc.pages.length));
  } catch (e) { explain(e); }
}

const pageOf = (n) => state.doc.pages.find((p) => p.number === n) || state.doc.pages[n - 1];
const kindOf = (b) => b.kind;

async function showPage(n) {
  state.page = n;
  const d = state.doc;
  const p = pageOf(n);
  $('#page-label').textContent = `Page ${n} of ${d.pages.length}`;
  const box = $('#page');
  // Zoom 1 fits the page to the viewer's width.
  const width = Math.round(Math.max(200, $('#viewer').clientWidth - 24) * state.zoom);
  box.style.width = width + 'px';
  box.style.height = Math.round(width * p.height / p.width) + 'px';
  drawBoxes();
  const img = $('#page-image');
  img.alt = `Page ${n} of ${d.source.filename || d.id}`;
  try {
    const dpi = Math.min(300, Math.max(24, Math.round(72 * width / p.width * (window.devicePixelRatio || 1))));
    const r = await api(`/v1/documents/${d.id}/pages/${n}/image?dpi=${dpi}`);
    const url = URL.createObjectURL(await r.blob());
    if (state.pageUrl) URL.revokeObjectURL(state.pageUrl);
    state.pageUrl = url;
    img.src = url;
    img.hidden = false;
  } catch (e) {
    img.hidden = true;
    if (e.status === 404) say('Page images are unavailable for this document: ' + e.message, 'info');
    else explain(e);
  }
}

function pct(v, whole) { return (100 * v / whole).toFixed(3) + '%'; }
function place(node, bbox, p) {
  node.style.left = pct(bbox[0], p.width);
  node.style.top = pct(bbox[1], p.height);
  node.style.width = pct(bbox[2] - bbox[0], p.width);
  node.style.height = pct(bbox[3] - bbox[1], p.height);
}

function drawBoxes() {
  const d = state.doc;
  const p = pageOf(state.page);
  const layer = $('#boxes');
  layer.replaceChildren();
  d.blocks.forEach((b, i) => {
    if (b.page !== state.page) return;
    const node = el('div', { className: `box k-${kindOf(b)}`, role: 'button', tabIndex: -1 });
    node.dataset.blockId = b.id;
    node.setAttribute('aria-label', `${i + 1}: ${b.kind}`);
    place(node, b.bbox, p);
    if (state.hidden.has(b.kind)) node.classList.add('hidden');
    if (state.selected === b.id) node.classList.add('selected');
    node.append(el('span', { className: 'n', textContent: String(i + 1) }));
    for (const row of (b.table ? b.table.rows : [])) {
      for (const cell of row) {
        const c = el('div', { className: `cell k-${kindOf(b)}` });
        // Cells are placed within the page, not within their table's box.
        c.style.position = 'absolute';
        layer.append(c);
        place(c, cell.bbox, p);
      }
    }
    node.onmouseenter = (ev) => hover(b, ev, true);
    node.onmousemove = (ev) => hover(b, ev, true);
    node.onmouseleave = (ev) => hover(b, ev, false);
    node.onclick = () => select(b.id);
    layer.append(node);
  });
  if (state.hit && state.hit.document_id === d.id) {
    for (const hb of state.hit.boxes) {
      if (hb.page !== state.page) continue;
      const h = el('div', { className: 'hit' });
      place(h, hb.bbox, p);
      layer.append(h);
    }
  }
}

function linked(b) {
  if (b.caption_of) return [b.caption_of];
  return state.doc.blocks.filter((c) => c.caption_of === b.id).map((c) => c.id);
}
function hover(b, ev, on) {
  const tip = $('#tip');
  for (const id of linked(b)) {
    const n = $(`#boxes [data-block-id="${id}"]`);
    if (n) n.classList.toggle('linked', on);
  }
  if (!on) { tip.hidden = true; return; }
  tip.textContent = `${b.kind} · confidence ${b.confidence.toFixed(2)} · text from ${b.source}` +
    (b.text ? '\n' + b.text.slice(0, 300) : '');
  tip.style.left = ev.clientX + 14 + 'px';
  tip.style.top = ev.clientY + 14 + 'px';
  tip.hidden = false;
}

function select(id) {
  const b = state.doc.blocks.find((x) => x.id === id);
  if (!b) return;
  state.selected = id;
  if (b.page !== state.page) { location.hash = `#/documents/${state.doc.id}/pages/${b.page}`; }
  for (const n of document.querySelectorAll('.selected')) n.classList.remove('selected');
  const box = $(`#boxes [data-block-id="${id}"]`);
  if (box) box.classList.add('selected');
  const para = $(`#markdown [data-for="${id}"]`);
  if (para) { para.classList.add('selected'); para.scrollIntoView({ block: 'nearest' }); }
  $('#json').textContent = JSON.stringify(b, null, 2);
}

// --- the Markdown side panel: one element per block, linked both ways --------------------
const FURNITURE = new Set(['page_header', 'page_footer', 'line_numbers']);
function renderMarkdown() {
  const md = $('#markdown');
  md.replaceChildren();
  for (const b of state.doc.blocks) {
    if (FURNITURE.has(b.kind)) continue;
    let node;
    if (b.kind === 'title' || b.kind === 'section_header') {
      node = el('h' + Math.min(6, (b.level || 1) + 2), { textContent: b.text });
    } else if (b.kind === 'table' && b.table) {
      node = el('table');
      for (const row of b.table.rows) {
        node.append(el('tr', {}, ...row.map((c) => el(c.header ? 'th' : 'td', { textContent: c.text, colSpan: c.col_span, rowSpan: c.row_span }))));
      }
    } else if (b.kind === 'figure') {
      node = el('p', { textContent: '[figure] ' + (b.text || '') });
    } else if (b.kind === 'formula') {
      node = el('p', { textContent: '$$' + (b.latex || b.text) + '$$' });
    } else {
      node = el('p', { textContent: (b.kind === 'list_item' ? (b.marker || '•') + ' ' : '') + b.text });
    }
    node.dataset.for = b.id;
    node.title = `${b.id} · page ${b.page}`;
    node.onclick = () => select(b.id);
    md.append(node);
  }
}

function renderKinds() {
  const set = $('#kinds');
  set.replaceChildren(el('legend', { textContent: 'Show' }));
  const kinds = [...new Set(state.doc.blocks.map((b) => b.kind))].sort();
  for (const k of kinds) {
    const id = 'kind-' + k;
    const box = el('input', { type: 'checkbox', id, checked: !state.hidden.has(k) });
    box.onchange = () => {
      if (box.checked) state.hidden.delete(k); else state.hidden.add(k);
      for (const n of document.querySelectorAll(`#boxes .k-${k}[data-block-id]`)) n.classList.toggle('hidden', !box.checked);
    };
    set.append(el('label', { htmlFor: id, className: 'k-' + k }, box, ' ' + k.replace('_', ' ')));
  }
}

// --- navigation and zoom -----------------------------------------------------------------
function go(delta) {
  if (!state.doc) return;
  const n = Math.min(Math.max(state.page + delta, 1), state.doc.pages.length);
  if (n !== state.page) location.hash = `#/documents/${state.doc.id}/pages/${n}`;
}
function zoom(factor) {
  state.zoom = Math.min(4, Math.max(0.25, state.zoom * factor));
  if (state.doc) showPage(state.page);
}
$('#prev').onclick = () => go(-1);
$('#next').onclick = () => go(1);
$('#zoom-in').onclick = () => zoom(1.25);
$('#zoom-out').onclick = () => zoom(0.8);
document.addEventListener('keydown', (ev) => {
  if (ev.target.closest('input, select, textarea')) return;
  if (ev.key === 'ArrowRight' || ev.key === 'PageDown') go(1);
  else if (ev.key === 'ArrowLeft' || ev.key === 'PageUp') go(-1);
  else if (ev.key === '+') zoom(1.25);
  else if (ev.key === '-') zoom(0.8);
});

// --- search ------------------------------------------------------------------------------
$('#search').onsubmit = async (ev) => {
  ev.preventDefault();
  const list = $('#hits');
  list.replaceChildren();
  try {
    const found = await json('/v1/retrieve', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: $('#query').value, mode: $('#mode').value, top_k: 10 }),
    });
    if (!found.results.length) say('No results.');
    for (const r of found.results) {
      const page = r.chunk.pages[0] || 1;
      const link = el('a', { href: `#/documents/${r.document.id}/pages/${page}`, textContent: r.chunk.headings.join(' › ') || r.document.filename || r.document.id });
      link.onclick = () => { state.hit = r.chunk; if (state.doc && state.doc.id === r.document.id) drawBoxes(); };
      list.append(el('li', {}, link, el('div', { className: 'hit-meta', textContent: `score ${r.score.toFixed(3)} · ${r.document.filename || ''} p. ${page}` })));
    }
  } catch (e) { explain(e); }
};

loadDocuments(true);
route();
