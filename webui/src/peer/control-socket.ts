// The peer's control WebSocket: requests answered by id, and the node's events pushed as they happen.

export interface ApiError { error: string; message: string }
export type PeerEvent = { event: string } & Record<string, any>;

type Pending = { resolve: (result: any) => void; reject: (error: ApiError) => void };

export class ControlSocket {
  private socket: WebSocket | null = null;
  private stopped = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly url: string,
    private readonly onEvent: (event: PeerEvent) => void,
    private readonly onState: (state: 'live' | 'down') => void,
  ) {}

  /** Connects, and reconnects after a drop; {@code onOpen} runs after each (re)connection. */
  connect(onOpen: () => void): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.onState('live');
      onOpen();
    };
    socket.onmessage = (message) => this.receive(JSON.parse(message.data));
    socket.onclose = () => {
      if (this.stopped) return;
      this.onState('down');
      for (const waiting of this.pending.values()) {
        waiting.reject({ error: 'disconnected', message: 'The connection to the peer was lost.' });
      }
      this.pending.clear();
      window.setTimeout(() => this.connect(onOpen), 2000);
    };
  }

  /** Closes for good: no reconnection (the peer has left and stopped). */
  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }

  request<T>(op: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
        reject({ error: 'disconnected', message: 'Not connected to the peer right now.' });
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, op, ...params }));
    });
  }

  private receive(message: any): void {
    if (message.event) {
      this.onEvent(message as PeerEvent);
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(message.error as ApiError);
  }
}
