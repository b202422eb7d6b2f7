// The peer control page: this peer's files, a search of the network, downloads with progress,
// and leaving — all over the control WebSocket, authorised by the token in the page's URL.
import { bytes, rate, eta, percent } from '../shared/format';
import { el, byId, progressBar } from '../shared/dom';
import { ControlSocket, ApiError, PeerEvent } from './control-socket';
import './style.css';

interface SharedFile { sha256: string; name: string; size: number }
interface FileSummary extends SharedFile { holders: number }
interface Status { peerId: string | null; name: string; tracker: string; registered: boolean; files: number; uploads: number; downloads: number }
/** A download; while it waits for a holder, `sha256` is null when it was asked for by name and `name` when by SHA-256. */
interface Download { downloadId: string; sha256: string | null; name: string | null; size: number; bytes: number; state: string; speed: number;
  sources: Source[]; error: string | null }
/** One holder a download uses: bytes received, its rate now, and the verified pieces it supplied. */
interface Source { peerId: string; bytes: number; rate?: number; pieces?: number }

const SHA256 = /^[0-9a-f]{64}$/;
const FINISHED = new Set(['done', 'failed', 'cancelled']);

const token = new URLSearchParams(location.search).get('token') ?? '';
const socketUrl = `${location.origin.replace(/^http/, 'ws')}/control?token=${encodeURIComponent(token)}`;
const downloads = new Map<string, Download>();
const control = new ControlSocket(socketUrl, onEvent, showConnection);

// ---- loading -------------------------------------------------------------------------------

async function loadStatus(): Promise<void> {
  const status = await control.request<Status>('status');
  byId('peer-name').textContent = status.name;
  document.title = `Shoal — ${status.name}`;
  byId('status-tracker').textContent = status.tracker;
  byId('status-registered').textContent = status.registered ? 'yes' : 'not yet';
  byId('status-files').textContent = String(status.files);
  byId('status-uploads').textContent = String(status.uploads);
  byId('status-downloads').textContent = String(status.downloads);
}

async function loadFiles(): Promise<void> {
  const files = await control.request<SharedFile[]>('files');
  const rows = [...files].sort((a, b) => a.name.localeCompare(b.name)).map((file) =>
    el('tr', { 'data-sha256': file.sha256 },
      el('td', {}, file.name),
      el('td', { class: 'num' }, bytes(file.size)),
      el('td', { class: 'hide-narrow' }, el('span', { class: 'hash', title: file.sha256 }, `${file.sha256.slice(0, 12)}…`))));
  byId('files').replaceChildren(...rows);
  byId('files-empty').hidden = rows.length > 0;
}

async function loadDownloads(): Promise<void> {
  const list = await control.request<Download[]>('downloads');
  downloads.clear();
  list.forEach((d) => downloads.set(d.downloadId, d));
  renderDownloads();
}

function refreshAll(): void {
  Promise.all([loadStatus(), loadFiles(), loadDownloads()]).catch(showError);
}

// ---- search and download -------------------------------------------------------------------

async function search(query: string): Promise<void> {
  hideNotice();
  const results = await control.request<FileSummary[]>('search', { q: SHA256.test(query) ? '' : query, limit: 100 });
  const hits = SHA256.test(query) ? results.filter((f) => f.sha256 === query) : results;
  const rows = hits.map((file) => el('tr', { 'data-sha256': file.sha256 },
    el('td', {}, file.name),
    el('td', { class: 'num' }, bytes(file.size)),
    el('td', { class: 'num' }, file.holders),
    el('td', {}, downloadButton(file.sha256, file.name))));
  if (rows.length === 0 && SHA256.test(query)) {
    // Nobody lists it, but asking the tracker directly gives its own answer at once; or wait for it.
    rows.push(el('tr', { 'data-sha256': query },
      el('td', {}, el('span', { class: 'hash' }, `${query.slice(0, 16)}…`)), el('td', {}, '?'), el('td', {}, '0'),
      el('td', { class: 'actions' }, downloadButton(query, query), waitButton({ sha256: query }, query))));
  }
  byId('results').replaceChildren(...rows);
  const empty = byId('results-empty');
  empty.hidden = rows.length > 0;
  // A name nobody shares yet may be shared later: the page offers to wait for exactly that name.
  empty.replaceChildren(`No file on the network matches “${query}”. `,
    ...(query === '' ? [] : [waitButton({ name: query }, query)]));
}

function downloadButton(sha256: string, name: string): HTMLButtonElement {
  const button = el('button', { type: 'button', 'aria-label': `Download ${name}` }, 'Download');
  button.addEventListener('click', () => {
    button.disabled = true;
    hideNotice();
    control.request<{ downloadId: string }>('download', { sha256 })
      .then(() => loadDownloads())
      .catch((error: ApiError) => showNotice(error.message))
      .finally(() => { button.disabled = false; });
  });
  return button;
}

/** Starts a download that waits until some peer shares the file, by its SHA-256 or its exact name. */
function waitButton(wanted: { sha256: string } | { name: string }, label: string): HTMLButtonElement {
  const button = el('button', { type: 'button', class: 'secondary', 'aria-label': `Download ${label} when available` },
    'Download when available');
  button.addEventListener('click', () => {
    button.disabled = true;
    hideNotice();
    control.request<{ downloadId: string }>('download', { ...wanted, wait: true })
      .then(() => loadDownloads())
      .catch((error: ApiError) => {
        showNotice(error.message);
        button.disabled = false;
      });
  });
  return button;
}

function cancelButton(download: Download): HTMLButtonElement {
  const button = el('button', { type: 'button', class: 'secondary', 'aria-label': `Cancel ${shownName(download)}` }, 'Cancel');
  button.addEventListener('click', () => {
    control.request('cancel', { downloadId: download.downloadId }).catch(showError);
  });
  return button;
}

// ---- events --------------------------------------------------------------------------------

function onEvent(event: PeerEvent): void {
  if (event.event === 'files.changed') {
    Promise.all([loadFiles(), loadStatus()]).catch(showError);
    return;
  }
  if (event.event.startsWith('download.')) {
    downloads.set(event.downloadId, event as unknown as Download);
    renderDownloads();
    if (event.event !== 'download.progress') loadStatus().catch(showError);
    if (event.event === 'download.failed' && event.error) showNotice(`${shownName(event as unknown as Download)}: ${event.error}`);
  }
}

// ---- rendering -----------------------------------------------------------------------------

function renderDownloads(): void {
  const rows = [...downloads.values()].reverse().map((d) => {
    const done = d.state === 'done' ? 100 : d.state === 'waiting' ? 0 : percent(d.bytes, d.size);
    const label = d.state === 'running' ? `${done} %` : d.state;
    const name = shownName(d);
    const detail = d.state === 'waiting' ? 'waiting for a peer to share it' : `${bytes(d.bytes)} of ${bytes(d.size)} · ${label}`;
    return el('tr', { class: d.state, 'data-download-id': d.downloadId },
      el('td', {}, name, el('div', { class: 'state' }, detail, d.error ? ` · ${d.error}` : '')),
      el('td', {}, progressBar(done, `${name}: ${label}`)),
      el('td', { class: 'num' }, d.state === 'running' ? rate(d.speed) : '—'),
      el('td', { class: 'num' }, d.state === 'running' ? eta(d.size - d.bytes, d.speed) : '—'),
      el('td', { class: 'hide-narrow' }, d.sources.length ? sourceList(d) : '—'),
      el('td', {}, FINISHED.has(d.state) ? '' : cancelButton(d)));
  });
  byId('downloads').replaceChildren(...rows);
  byId('downloads-empty').hidden = rows.length > 0;
  // The counter beside the table counts what the table shows as under way, as each event arrives.
  byId('status-downloads').textContent = String([...downloads.values()].filter((d) => !FINISHED.has(d.state)).length);
}

/** The file's name, or the start of its SHA-256 while it waits for a file asked for by hash. */
function shownName(d: Download): string {
  return d.name ?? `${(d.sha256 ?? '').slice(0, 16)}…`;
}

/** Each source on a line of its own: who, how much it gave, how fast it gives now, how many pieces. */
function sourceList(d: Download): HTMLElement {
  return el('ul', { class: 'sources' }, ...d.sources.map((s) => {
    const parts = [s.peerId.slice(0, 8), bytes(s.bytes)];
    if (d.state === 'running' && s.rate) parts.push(rate(s.rate));
    if (s.pieces !== undefined) parts.push(`${s.pieces} ${s.pieces === 1 ? 'piece' : 'pieces'}`);
    return el('li', { 'data-peer-id': s.peerId }, parts.join(' · '));
  }));
}

function showNotice(message: string): void {
  const notice = byId('notice');
  notice.textContent = message;
  notice.hidden = false;
}

function hideNotice(): void {
  byId('notice').hidden = true;
}

function showError(error: ApiError): void {
  showNotice(error.message ?? String(error));
}

function showConnection(state: 'live' | 'down'): void {
  const pill = byId('connection');
  pill.className = `pill ${state}`;
  pill.textContent = state === 'live' ? 'connected' : 'reconnecting…';
}

// ---- start ---------------------------------------------------------------------------------

byId('search').addEventListener('submit', (event) => {
  event.preventDefault();
  search(byId<HTMLInputElement>('search-query').value.trim()).catch(showError);
});
byId('leave').addEventListener('click', () => byId<HTMLDialogElement>('leave-dialog').showModal());
byId<HTMLDialogElement>('leave-dialog').addEventListener('close', () => {
  if (byId<HTMLDialogElement>('leave-dialog').returnValue !== 'leave') return;
  control.request('leave').then(() => {
    control.stop();
    document.body.replaceChildren(el('main', {}, el('p', { class: 'card', role: 'status' },
      'This peer has left the network and stopped. Its files stay on disk; start it again to rejoin.')));
  }).catch(showError);
});
control.connect(refreshAll);
