// TypeScript declarations for herald.js, the browser client of Herald.
// Classic script: `Herald` is a global. ES module: `import Herald from '/herald.mjs'`.

/** A transport, i.e. one browser push technique. */
export type HeraldTransport =
  | 'websocket' | 'sse' | 'xhr-streaming' | 'iframe' | 'long-polling' | 'short-polling';

export interface HeraldOptions {
  /** Transports to try, in order. Default: all six, in the order of {@link Herald.TRANSPORTS}. */
  transports?: HeraldTransport[];
  /**
   * Milliseconds a new connection has to show a sign of life (its first bytes: a reply, a
   * heartbeat, padding) before its transport is abandoned for the next one. Default 10000.
   */
  timeout?: number;
  /**
   * Milliseconds of silence on an open streaming connection (no publication, no heartbeat) before
   * it is dropped and reconnected. Keep it above the server's heartbeat interval (15 s by
   * default). Default 40000.
   */
  heartbeatTimeout?: number;
  /** First reconnection delay in ms; it doubles per failed attempt, with jitter. Default 500. */
  minReconnectDelay?: number;
  /** Largest reconnection delay in ms. Default 30000. */
  maxReconnectDelay?: number;
  /** Seconds the server may hold a long poll. Default 25. */
  longPollTimeout?: number;
  /** Milliseconds between short polls. Default 2000. */
  pollInterval?: number;
  /** Whether the transport that worked is remembered in sessionStorage for this page's session. Default true. */
  remember?: boolean;
  /** Called on every state change of the client. */
  onStateChange?: (event: HeraldStateEvent) => void;
  /**
   * Access control: returns a Promise of a token. Called with `{channel: null, ticket: false}` for
   * the connection token (the `connect` command on WebSocket, `Authorization: Bearer` on XHR
   * streaming and polling and on `publish`), and with `{channel, ticket: true}` for a short-lived
   * ticket of one channel (`?token=` on SSE and the iframe). Called before connecting, at about 80 %
   * of the token's life on WebSocket (refresh in place), and again after an expiry (close 4004 or
   * 401 `token_expired`), after which the client resumes from its last id. Never called again after
   * 4401/4403: the client closes with that code. Without it no token is sent (as before).
   */
  getToken?: (request: { channel: string | null; ticket: boolean }) => Promise<string> | string;
  /**
   * Whether the tabs of this origin that use the same server URL and options share one connection
   * (one per browser): run by a SharedWorker (`/herald-worker.js` of the server, when it shares the
   * page's origin), else by one tab elected with the Web Locks API, relaying over a BroadcastChannel.
   * When that tab closes, another takes over and resumes with no loss and no duplicate. Off with
   * `getToken` (a token is the page's) and where the browser lacks Web Locks or BroadcastChannel.
   * Default true.
   */
  share?: boolean;
  /** With `share`: whether a SharedWorker may run the shared connection (false: a leader tab always). Default true. */
  sharedWorker?: boolean;
  /** With `share`: the SharedWorker's script. Default: the server's `/herald-worker.js`. */
  workerUrl?: string;
}

/** A publication as delivered: the wire envelope, with binary payloads decoded. */
export interface HeraldPublication {
  channel: string;
  /** The stream position; give it back as `since` to resume after this publication. */
  id: string;
  /** 1, 2, 3, ... per channel and epoch. */
  offset: number;
  epoch: string;
  /** The event type, "message" by default. */
  event: string;
  /** The publication's key, when its publisher gave one (docs/protocol.md, "Conflation"). */
  key?: string;
  /**
   * On a slow connection to a namespace with conflation: how many earlier publications of this
   * channel and key the server skipped in favour of this one. Not a gap to repair: `id` resumes as usual.
   */
  conflated?: number;
  /** The JSON value as published, a string for text, or bytes for a binary payload. */
  data: unknown;
  /** For binary payloads: the base64 text the bytes in `data` came from. */
  data_b64?: string;
  /** When the server stored it, in ms since the epoch. */
  time: number;
}

/** The server could not resume from the position asked for: publications may be missing up to `id`. */
export interface HeraldReset {
  channel: string;
  /** The current position; the subscription continues after it. */
  id: string;
}

export type HeraldStateEvent =
  | { state: 'connecting'; transport: HeraldTransport }
  | { state: 'open'; transport: HeraldTransport }
  /** `from` did not work (reason); the client moves on to `to`. */
  | { state: 'fallback'; from: HeraldTransport; to: HeraldTransport; reason: string }
  /** The connection ended; the next attempt is in `delay` ms. `code` is the server's disconnect code, if any. */
  | { state: 'reconnecting'; transport: HeraldTransport; delay: number; reason: string; code?: number }
  /** For good: the page closed the client, or the server said not to reconnect (`code`). */
  | { state: 'closed'; reason: string; code?: number };

/** An error from the server, e.g. code "invalid_channel", "publish_forbidden". */
export interface HeraldError extends Error {
  code: string;
  /** The HTTP status, or 0 over WebSocket. */
  status: number;
}

export interface HeraldHandlers {
  /** Each publication once, in order. */
  onPublication?: (publication: HeraldPublication) => void;
  /** The resume position could not be served (too old, or another epoch). */
  onReset?: (reset: HeraldReset) => void;
  /** The client's state events (the current one first, when subscribing late). */
  onStateChange?: (event: HeraldStateEvent) => void;
  /** The server refused the subscription (e.g. invalid `since`); it has ended. */
  onError?: (error: HeraldError) => void;
  /** A client joined the channel (on WebSocket, in a namespace with `join-leave`); not a publication. */
  onJoin?: (client: HeraldPresenceEvent) => void;
  /** A client left the channel (on WebSocket, in a namespace with `join-leave`). */
  onLeave?: (client: HeraldPresenceEvent) => void;
}

/** One client in a channel's presence. */
export interface HeraldClientInfo {
  /** The client id, unique across the server's nodes. */
  client: string;
  /** The user id (the token's `sub`), when the client presented a user token. */
  user?: string;
}

/** A join or leave event: who, in which channel. */
export interface HeraldPresenceEvent extends HeraldClientInfo {
  channel: string;
}

/** The answer of {@link Herald.presence}. */
export interface HeraldPresence {
  channel: string;
  clients: HeraldClientInfo[];
}

/** The answer of {@link Herald.presence} with `count`. */
export interface HeraldPresenceCount {
  channel: string;
  clients: number;
  /** Distinct user ids among the clients. */
  users: number;
}

export interface HeraldSubscription {
  readonly channel: string;
  /** The last id received, or the position the subscription started at; null until known. */
  readonly lastId: string | null;
  /** Stops receiving this channel. Idempotent. */
  unsubscribe(): void;
}

export interface HeraldPublishResult {
  channel: string;
  id: string;
  offset: number;
}

/**
 * A Herald client: subscriptions over the first transport that works, reconnection with backoff,
 * resume without loss or duplicates (also across a change of transport), and fallback. All its
 * subscriptions travel on one connection on every transport (on HTTP, the multi-channel endpoints:
 * subscribing or unsubscribing reopens it from the current cursor, once per macrotask), and with
 * `share` one connection serves every tab of the origin.
 */
export declare class Herald {
  /** Every transport, in the default order. */
  static readonly TRANSPORTS: HeraldTransport[];

  /**
   * @param baseUrl the server, e.g. "https://push.example.com"; "" for this page's origin
   * @param options see {@link HeraldOptions}
   */
  constructor(baseUrl?: string, options?: HeraldOptions);

  /** The current state, null before the first connection. */
  readonly state: HeraldStateEvent['state'] | null;
  /** The transport of the open connection, or null. */
  readonly transport: HeraldTransport | null;

  /**
   * Subscribes to a channel (one subscription per channel per client).
   * @param options.since the id to resume after; without it, publications from now on
   * @throws TypeError for an invalid channel name
   */
  subscribe(channel: string, handlers?: HeraldHandlers, options?: { since?: string }): HeraldSubscription;

  /**
   * Publishes over the socket when on WebSocket, else with POST /pub. Strings are text;
   * ArrayBuffer, typed arrays and Blob are binary; anything else is JSON. Rejects with a
   * {@link HeraldError}.
   * @throws TypeError for an invalid channel or event name
   */
  publish(channel: string, data: unknown, options?: { event?: string }): Promise<HeraldPublishResult>;

  /**
   * Who is subscribed to a channel (its namespace must keep presence): over the socket when on
   * WebSocket, else with GET /presence/{channel}. Rejects with a {@link HeraldError} (e.g.
   * "presence_disabled", "forbidden").
   * @throws TypeError for an invalid channel name
   */
  presence(channel: string): Promise<HeraldPresence>;
  presence(channel: string, options: { count: true }): Promise<HeraldPresenceCount>;
  presence(channel: string, options?: { count?: boolean }): Promise<HeraldPresence | HeraldPresenceCount>;

  /** Closes every connection and ends every subscription. Idempotent. */
  close(): void;
}

export default Herald;

declare global {
  interface Window {
    Herald: typeof Herald;
  }
}
