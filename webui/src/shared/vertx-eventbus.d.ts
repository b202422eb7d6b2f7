// Types for the parts of @vertx/eventbus-bridge-client.js that Shoal uses (the package has none).
declare module '@vertx/eventbus-bridge-client.js' {
  export default class EventBus {
    constructor(url: string, options?: Record<string, unknown>);
    onopen: (() => void) | null;
    onclose: ((event?: unknown) => void) | null;
    onerror: ((error: unknown) => void) | null;
    onreconnect: (() => void) | null;
    enableReconnect(enable: boolean): void;
    registerHandler(address: string, handler: (error: unknown, message: { body: any }) => void): void;
    close(): void;
  }
}
