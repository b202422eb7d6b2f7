// Partial holders: peers serving the verified pieces of files they are still downloading. Kept from
// the REST snapshot and the partial.* events; a peer's entries go when it leaves or expires.
import { el, byId, progressBar } from '../shared/dom';
import { bytes, percent } from '../shared/format';

export interface PartialHolder {
  peerId: string; peerName: string; address: string; sha256: string; name: string; size: number; pieceCount: number; have: number;
}

export class PartialHolders {
  /** By peer and file: a peer has at most one record per file. */
  private readonly entries = new Map<string, PartialHolder>();

  /** Everything from a snapshot of {@code GET /api/v1/partials}. */
  replaceAll(list: PartialHolder[]): void {
    this.entries.clear();
    list.forEach((holder) => this.update(holder));
  }

  /** A report, new or replacing the peer's last one of the file. */
  update(holder: PartialHolder): void {
    const { peerId, peerName, address, sha256, name, size, pieceCount, have } = holder;
    this.entries.set(key(peerId, sha256), { peerId, peerName, address, sha256, name, size, pieceCount, have });
  }

  remove(peerId: string, sha256: string): void {
    this.entries.delete(key(peerId, sha256));
  }

  /** A peer that left or expired took its reports with it. */
  dropPeer(peerId: string): void {
    for (const [id, holder] of this.entries) {
      if (holder.peerId === peerId) this.entries.delete(id);
    }
  }

  /** Whether {@code peerId} serves {@code sha256} only in part at the moment. */
  serves(peerId: string | null, sha256: string): boolean {
    return peerId !== null && this.entries.has(key(peerId, sha256));
  }

  render(): void {
    const rows = [...this.entries.values()]
      .sort((a, b) => a.peerName.localeCompare(b.peerName) || a.name.localeCompare(b.name))
      .map((holder) => {
        const done = percent(holder.have, holder.pieceCount);
        const status = `${holder.have} of ${holder.pieceCount} pieces`;
        return el('tr', { 'data-peer-id': holder.peerId, 'data-sha256': holder.sha256 },
          el('td', {}, holder.peerName),
          el('td', {}, holder.name, el('div', { class: 'state' }, bytes(holder.size))),
          el('td', {}, progressBar(done, `${holder.peerName}, ${holder.name}: ${status}`), el('div', { class: 'state' }, status)));
      });
    byId('partials').replaceChildren(...rows);
    byId('partials-empty').hidden = rows.length > 0;
  }
}

function key(peerId: string, sha256: string): string {
  return `${peerId} ${sha256}`;
}
