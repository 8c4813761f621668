// TensorBoard's plugin host protocol, our own small client: the iframe posts
// "experimental.bootstrap" with one end of a MessageChannel to its parent, then both sides exchange
// JSON strings {type, id, payload, error, isReply} over the port.

type Payload = unknown;

interface WireMessage {
  type: string;
  id: number;
  payload: Payload;
  error: string | null;
  isReply: boolean;
}

const PREFIX = "experimental.";

export class TensorBoardHost {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (p: Payload) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, (payload: Payload) => void>();

  private constructor(private readonly port: MessagePort) {
    port.addEventListener("message", (event: MessageEvent<string>) => this.receive(event.data));
    port.start();
  }

  /** Connects to the embedding TensorBoard, or returns null when the page is not in an iframe. */
  static connect(): TensorBoardHost | null {
    if (window.parent === window) return null;
    const channel = new MessageChannel();
    window.parent.postMessage(`${PREFIX}bootstrap`, "*", [channel.port2]);
    return new TensorBoardHost(channel.port1);
  }

  /** All run names of the experiment (not the user's run selection: the host has none to give). */
  getRuns(): Promise<string[]> {
    return this.request("GetRuns") as Promise<string[]>;
  }

  /** URL-hash entries `p.exr.<key>` with the prefix stripped. */
  getUrlPluginData(): Promise<Record<string, string>> {
    return this.request("GetURLPluginData") as Promise<Record<string, string>>;
  }

  onRunsChanged(callback: (runs: string[]) => void): void {
    this.listeners.set(`${PREFIX}RunsChanged`, (p) => callback(p as string[]));
  }

  /** TensorBoard finished a reload (the automatic one every 30 s, or the reload button). */
  onDataReloaded(callback: () => void): void {
    this.listeners.set(`${PREFIX}DataReloaded`, () => callback());
  }

  private request(type: string, payload: Payload = null): Promise<Payload> {
    const id = this.nextId++;
    const message: WireMessage = { type: PREFIX + type, id, payload, error: null, isReply: false };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.port.postMessage(JSON.stringify(message));
    });
  }

  private receive(data: string): void {
    let message: WireMessage;
    try {
      message = JSON.parse(data) as WireMessage;
    } catch {
      return;
    }
    if (message.isReply) {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve(message.payload);
      return;
    }
    let error: string | null = null;
    try {
      this.listeners.get(message.type)?.(message.payload);
    } catch (e) {
      error = String(e);
    }
    // The host awaits a reply to every broadcast.
    const reply: WireMessage = { type: message.type, id: message.id, payload: null, error, isReply: true };
    this.port.postMessage(JSON.stringify(reply));
  }
}
