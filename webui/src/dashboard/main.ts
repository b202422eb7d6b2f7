// The network dashboard: a REST snapshot, then live events from the tracker's event-bus bridge.
// After a reconnect (tracker restarted, network blip) it takes a fresh snapshot, so it always
// shows the current state without reloading or polling.
import EventBus from '@vertx/eventbus-bridge-client.js';
import { bytes, rate, eta, clock, percent } from '../shared/format';
import { el, byId, progressBar, debounce } from '../shared/dom';
import { RateChart } from './rate-chart';
import { PartialHolders, PartialHolder } from './partials';
import './style.css';

interface Peer { peerId: string; name: string; address: string; files: number; activeUploads: number; servedTotal: number; lastSeen: string }
interface FileSummary { sha256: string; name: string; size: number; holders: number }
interface Transfer { transferId: string; sha256: string; name: string; size: number; from: string | null; fromName: string; to: string | null; toName: string; bytes: number; state: string }
interface Stats { peers: number; files: number; holdings: number; activeTransfers: number; completedTransfers: number; bytesTransferred: number }

/** A transfer as shown: its record plus the rate measured from its progress events. */
interface TransferView extends Transfer { rate: number; lastBytes: number; lastAt: number }

const FINISHED_ROW_MILLIS = 6_000;
/** Active transfers read into the table; a busier network shows its total in the counter only. */
const TRANSFER_ROWS = 100;

const peers = new Map<string, Peer>();
const transfers = new Map<string, TransferView>();
const partials = new PartialHolders();
/** Bytes moved network-wide: read with the stats, then carried forward by progress events. */
let bytesTransferred = 0;
/** The tracker's count of active transfers, shown only when the table cannot hold them all. */
let activeTransfersReported = 0;
let transferTableFull = false;
const chart = new RateChart(byId('rate-chart'));

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json() as Promise<T>;
}

/**
 * Wraps a loader so that only the answer to its latest call is shown: an older, slower answer
 * arriving afterwards is dropped instead of overwriting newer data.
 */
function latestOnly<T>(fetchData: () => Promise<T>, show: (data: T) => void): () => Promise<void> {
  let latest = 0;
  return async () => {
    const call = ++latest;
    const data = await fetchData();
    if (call === latest) show(data);
  };
}

// ---- snapshot ------------------------------------------------------------------------------

const loadPeers = latestOnly(() => getJson<Peer[]>('/api/v1/peers'), (list) => {
  peers.clear();
  list.forEach((peer) => peers.set(peer.peerId, peer));
  renderPeers();
});

const loadStats = latestOnly(() => getJson<Stats>('/api/v1/stats'), (stats) => {
  byId('stat-peers').textContent = String(stats.peers);
  byId('stat-files').textContent = String(stats.files);
  byId('stat-holdings').textContent = String(stats.holdings);
  activeTransfersReported = stats.activeTransfers;
  showActiveCount();
  byId('stat-completed').textContent = String(stats.completedTransfers);
  showBytesTransferred(stats.bytesTransferred);
});

function showBytesTransferred(total: number): void {
  bytesTransferred = total;
  byId('stat-bytes').textContent = bytes(total);
}

const loadTransfers = latestOnly(() => getJson<Transfer[]>(`/api/v1/transfers?state=active&limit=${TRANSFER_ROWS}`), (active) => {
  const now = Date.now();
  transferTableFull = active.length >= TRANSFER_ROWS;
  for (const [id, view] of transfers) {
    if (view.state === 'active' && !active.some((t) => t.transferId === id)) transfers.delete(id);
  }
  for (const transfer of active) {
    const known = transfers.get(transfer.transferId);
    transfers.set(transfer.transferId, { ...transfer, rate: known?.rate ?? 0, lastBytes: transfer.bytes, lastAt: now });
  }
  renderTransfers();
});

const loadFiles = latestOnly(() => {
  const query = byId<HTMLInputElement>('file-query').value.trim();
  return getJson<FileSummary[]>(`/api/v1/files?limit=50&q=${encodeURIComponent(query)}`);
}, renderFiles);

const loadPartials = latestOnly(() => getJson<PartialHolder[]>('/api/v1/partials?limit=1000'), (list) => {
  partials.replaceAll(list);
  showPartials();
});

function snapshot(): Promise<void> {
  return Promise.all([loadStats(), loadPeers(), loadTransfers(), loadFiles(), loadPartials()]).then(() => undefined);
}

// The counters cost the tracker a pass over every holding and the peer list a count of each
// peer's files, so each is re-read at most once a second; progress events, the busiest kind, move
// the bytes counter without asking the tracker at all. Peers joining and leaving show at once,
// straight from their events.
const refreshStats = debounce(() => loadStats().catch(showTrouble), 1000);
const refreshPeers = debounce(() => loadPeers().catch(showTrouble), 1000);
const refreshFiles = debounce(() => loadFiles().catch(showTrouble), 250);
const refreshTransfers = debounce(() => loadTransfers().catch(showTrouble), 250);

// ---- live events ---------------------------------------------------------------------------

type RegistryEvent = { type: string } & Record<string, any>;

function onEvent(event: RegistryEvent): void {
  switch (event.type) {
    case 'peer.joined':
      peers.set(event.peerId, { peerId: event.peerId, name: event.name, address: event.address, files: event.files,
        activeUploads: 0, servedTotal: 0, lastSeen: new Date().toISOString() });
      renderPeers();
      refreshFiles();
      break;
    case 'peer.left':
    case 'peer.expired':
      peers.delete(event.peerId);
      partials.dropPeer(event.peerId);
      renderPeers();
      showPartials();
      refreshFiles();
      refreshTransfers();
      break;
    case 'files.changed':
      refreshPeers();
      refreshFiles();
      break;
    case 'transfer.started':
      transfers.set(event.transferId, { ...(event as unknown as Transfer), rate: 0, lastBytes: 0, lastAt: Date.now() });
      renderTransfers();
      refreshPeers();
      break;
    case 'transfer.progress':
      onProgress(event.transferId, event.bytes);
      break;
    case 'partial.updated':
      partials.update(event as unknown as PartialHolder);
      showPartials();
      break;
    case 'partial.removed':
      partials.remove(event.peerId, event.sha256);
      showPartials();
      break;
    case 'transfer.completed':
    case 'transfer.failed':
      onFinished(event.transferId, event.type === 'transfer.completed' ? 'completed' : 'failed', event.bytes);
      refreshPeers();
      refreshFiles();
      break;
  }
  // Progress moves the bytes counter by itself, and partial holders count in no counter.
  if (event.type !== 'transfer.progress' && !event.type.startsWith('partial.')) refreshStats();
}

function onProgress(transferId: string, newBytes: number): void {
  const view = transfers.get(transferId);
  if (!view) {
    refreshTransfers();
    return;
  }
  const now = Date.now();
  const delta = Math.max(0, newBytes - view.lastBytes);
  const seconds = (now - view.lastAt) / 1000;
  if (seconds > 0) {
    const instant = delta / seconds;
    view.rate = view.rate === 0 ? instant : 0.6 * instant + 0.4 * view.rate;
  }
  chart.add(delta, view.lastAt, now);
  showBytesTransferred(bytesTransferred + delta);
  view.bytes = newBytes;
  view.lastBytes = newBytes;
  view.lastAt = now;
  renderTransfers();
}

// A completed transfer ends with the bytes its source was credited with: the whole size, or its
// share when the downloader fetched from several holders at once.
function onFinished(transferId: string, state: 'completed' | 'failed', bytes: number): void {
  const view = transfers.get(transferId);
  if (!view) return;
  if (state === 'completed') {
    chart.add(Math.max(0, bytes - view.lastBytes), view.lastAt, Date.now());
    view.bytes = bytes;
  }
  view.state = state;
  view.rate = 0;
  renderTransfers();
  window.setTimeout(() => {
    transfers.delete(transferId);
    renderTransfers();
  }, FINISHED_ROW_MILLIS);
}

// ---- rendering -----------------------------------------------------------------------------

/** The partial holders, and the transfers, whose "pieces" badges follow who holds what in part. */
function showPartials(): void {
  partials.render();
  renderTransfers();
}

function renderPeers(): void {
  const rows = [...peers.values()].sort((a, b) => a.name.localeCompare(b.name)).map((peer) =>
    el('tr', { 'data-peer-id': peer.peerId },
      el('td', {}, peer.name),
      el('td', { class: 'hide-narrow' }, el('code', {}, peer.address)),
      el('td', { class: 'num' }, peer.files),
      el('td', { class: 'num' }, peer.activeUploads),
      el('td', { class: 'num' }, bytes(peer.servedTotal)),
      el('td', { class: 'hide-narrow' }, clock(peer.lastSeen))));
  byId('peers').replaceChildren(...rows);
  byId('peers-empty').hidden = rows.length > 0;
}

function renderTransfers(): void {
  const rows = [...transfers.values()].map((t) => {
    const done = percent(t.bytes, t.size);
    const status = t.state === 'active' ? `${done} %` : t.state;
    return el('tr', { class: t.state, 'data-transfer-id': t.transferId },
      el('td', {}, t.name, el('div', { class: 'state' }, `${bytes(t.bytes)} of ${bytes(t.size)} · ${status}`)),
      el('td', {}, `${t.fromName} → ${t.toName}`, ...piecesBadge(t)),
      el('td', {}, progressBar(done, `${t.name}: ${status}`)),
      el('td', { class: 'num' }, t.state === 'active' ? rate(t.rate) : '—'),
      el('td', { class: 'num' }, t.state === 'active' ? eta(t.size - t.bytes, t.rate) : '—'));
  });
  byId('transfers').replaceChildren(...rows);
  byId('transfers-empty').hidden = rows.length > 0;
  showActiveCount();
}

/**
 * The Active transfers counter counts the table's active rows, so the two change together as
 * events arrive; the tracker's own count, re-read at most once a second, is shown only when there
 * are more active transfers than the table holds.
 */
function showActiveCount(): void {
  const rows = [...transfers.values()].filter((t) => t.state === 'active').length;
  byId('stat-active').textContent = String(transferTableFull ? Math.max(rows, activeTransfersReported) : rows);
}

/** A "pieces" badge for a transfer whose source is, at the moment, a partial holder of the file. */
function piecesBadge(t: Transfer): (Node | string)[] {
  if (t.state !== 'active' || !partials.serves(t.from, t.sha256)) return [];
  return [' ', el('span', { class: 'badge', title: `${t.fromName} is still downloading this file and serves the pieces it has verified` }, 'pieces')];
}

function renderFiles(files: FileSummary[]): void {
  const rows = files.map((file) =>
    el('tr', { 'data-sha256': file.sha256 },
      el('td', {}, file.name),
      el('td', { class: 'num' }, bytes(file.size)),
      el('td', { class: 'num' }, file.holders),
      el('td', { class: 'hide-narrow' }, el('span', { class: 'hash', title: file.sha256 }, `${file.sha256.slice(0, 12)}…`))));
  byId('files').replaceChildren(...rows);
  byId('files-empty').hidden = rows.length > 0;
}

function showConnection(state: 'live' | 'down' | 'connecting'): void {
  const pill = byId('connection');
  pill.className = `pill ${state}`;
  pill.textContent = state === 'live' ? 'live' : state === 'down' ? 'reconnecting…' : 'connecting…';
}

function showTrouble(): void {
  showConnection('down');
}

// ---- start ---------------------------------------------------------------------------------

function connect(): void {
  const bus = new EventBus('/eventbus', { vertxbus_reconnect_delay_max: 2000 });
  bus.enableReconnect(true);
  bus.onerror = () => showConnection('down');
  bus.onclose = () => showConnection('down');
  bus.onopen = () => {
    bus.registerHandler('shoal.events', (error, message) => {
      if (!error) onEvent(message.body as RegistryEvent);
    });
    // The bridge does not confirm a registration, so a change made while it is on its way would
    // be in neither the snapshot nor the events: a second snapshot a moment later closes that gap.
    snapshot().then(() => showConnection('live')).catch(showTrouble);
    window.setTimeout(() => snapshot().catch(showTrouble), 1000);
  };
}

byId('file-search').addEventListener('submit', (event) => event.preventDefault());
byId('file-query').addEventListener('input', debounce(() => loadFiles().catch(showTrouble), 200));
window.setInterval(() => chart.tick(), 1000);
connect();
