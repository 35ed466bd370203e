// A user's session with dchat as a client program keeps it: one ChatClient at a time, replaced
// when the connection dies (the node crashed, nginx cut it, the heartbeat went unanswered) by a
// new one after an exponential backoff, logged in again with the resume token of the login (kept
// in memory only; the password itself is not kept): the password is asked for again only when the
// node refuses the token (expired, revoked). The node then replays what is pending, and the inbox shows each message id once, so the person sees
// every message exactly once across reconnects. A chat or group chat message whose answer was
// lost goes out again, with the same client_msg_id, once the session is back (message-resend.ts).
// A node that is stopping (SHUTTING_DOWN) is left at once, and the new connection follows within
// a short random delay (the backoff's first step), so its clients do not all arrive together.
// A kick that makes reconnecting pointless (logged in elsewhere, not logged in in time) leaves
// the session disconnected instead, and the next login or register connects again.
import { DchatError, errorMessage } from '../base/dchat-error.js';
import { dchat } from '../gen/proto.js';
import { ChatClient, type RequestBody } from './chat-client.js';
import { MessageInbox } from './message-inbox.js';
import { defaultResendPolicy, isMessageSend, sendWithResend, withClientMsgId, type ResendLink, type ResendPolicy } from './message-resend.js';

/** 'disconnected': not connected and not reconnecting by itself; a login or register connects again. */
export type SessionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'closed';

export interface ChatSessionOptions {
  host: string;
  port: number;
  localAddress?: string;
  pingIntervalMs?: number;
  /** A ping unanswered for this long means the connection is dead. */
  pingTimeoutMs?: number;
  requestTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How long and how often a chat message whose answer was lost is sent again. */
  resend?: Partial<ResendPolicy>;
  /** How long login, register and resume keep waiting out RESOURCE_EXHAUSTED's retry_after_ms. */
  busyRetryForMs?: number;
}

/** The requests a node answers RESOURCE_EXHAUSTED with a retry_after_ms when it is busy. */
const isAdmitted = (body: RequestBody): boolean => Boolean(body.login ?? body.register ?? body.resume);

export interface SessionListener {
  /** A chat message shown for the first time. */
  message?(message: dchat.IChatMessage): void;
  /** Any other pushed event (kicked, presence, group changed). */
  event?(event: dchat.client.Event): void;
  /** Connection changes, with a sentence for the person. */
  status?(status: SessionStatus, detail: string): void;
  /** The automatic login (resume) after a reconnect: its response. Not OK: the user must log in again. */
  relogin?(response: dchat.client.Response): void;
  /** A chat or group chat goes out again (try tryNumber) after a lost answer or UNAVAILABLE. */
  resend?(body: RequestBody, tryNumber: number, why: string): void;
}

export class ChatSession {
  private client: ChatClient | undefined;
  private credentials: { userId: number; resumeToken: string } | undefined;
  private readonly inbox: MessageInbox;
  private isClosed = false;
  private mayReconnect = true;
  /** Why automatic reconnection stopped (the kick's reason), for the person. */
  private stopReason = '';
  private opening: Promise<void> | undefined;
  private wasRefusedAsCrowded = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  /** The connection the user is logged in on; a reconnect is ready for resends once it equals client. */
  private loggedInClient: ChatClient | undefined;
  private readonly changeWaiters = new Set<() => void>();
  private readonly resendLink: ResendLink = {
    requestOnce: (body) => this.requestOnce(body),
    waitUntilReady: (deadlineMs) => this.waitUntilReady(deadlineMs),
    pause: (ms) => this.nextChange(ms),
    resending: (body, tryNumber, why) => this.listener.resend?.(body, tryNumber, why),
  };

  constructor(
    private readonly options: ChatSessionOptions,
    private readonly listener: SessionListener = {},
  ) {
    this.inbox = new MessageInbox((ids) => void this.client?.notify({ ack: { messageIds: ids } }));
  }

  /** The first connection: a failure here is the caller's to report, not retried. */
  async connect(): Promise<void> {
    this.listener.status?.('connecting', `connecting to ${this.address()}`);
    await this.open();
    this.listener.status?.('connected', `connected to ${this.address()}`);
  }

  isLoggedIn(): boolean {
    return this.credentials !== undefined;
  }

  /**
   * Logs in with a resume token kept from an earlier login (a client that stored it), without
   * the password; on OK the session reconnects with it as after a login.
   */
  async resume(userId: number, token: string): Promise<dchat.client.Response> {
    const body: RequestBody = { resume: { userId, token } };
    const client = await this.connectedClientFor(body);
    const response = await this.requestWhenAdmitted(client, body);
    if (response.status === dchat.Status.OK) {
      this.credentials = { userId, resumeToken: token };
      this.loggedIn(client);
    }
    return response;
  }

  /**
   * Sends a request on the current connection; remembers a successful login for reconnects. A
   * chat or group chat gets a client_msg_id (unless it has one) and is sent again after a lost
   * answer or UNAVAILABLE once the session is back, within the resend policy.
   */
  request(body: RequestBody): Promise<dchat.client.Response> {
    if (!isMessageSend(body)) return this.requestOnce(body);
    return sendWithResend(this.resendLink, withClientMsgId(body), { ...defaultResendPolicy, ...this.options.resend });
  }

  private async requestOnce(body: RequestBody): Promise<dchat.client.Response> {
    const client = await this.connectedClientFor(body);
    // The acks still gathering go first, while the user is logged in to send them.
    if (body.logout) this.inbox.flush();
    const response = await this.requestWhenAdmitted(client, body);
    if (response.status === dchat.Status.OK && body.login) {
      this.credentials = { userId: body.login.userId ?? 0, resumeToken: response.login?.resumeToken ?? '' };
      this.loggedIn(client);
    }
    if (response.status === dchat.Status.OK && body.logout) {
      this.credentials = undefined;
      this.loggedInClient = undefined;
    }
    return response;
  }

  /**
   * Sends body; while the node answers RESOURCE_EXHAUSTED (a login storm, a rate limit) sends it
   * again after the retry_after_ms it names, plus up to as much again at random so that the
   * clients it refused together do not come back together, for at most busyRetryForMs.
   */
  private async requestWhenAdmitted(client: ChatClient, body: RequestBody): Promise<dchat.client.Response> {
    const giveUpAt = Date.now() + (this.options.busyRetryForMs ?? 60_000);
    for (;;) {
      const response = await client.request(body);
      const waitMs = response.retryAfterMs * (1 + Math.random());
      if (response.status !== dchat.Status.RESOURCE_EXHAUSTED || !isAdmitted(body) || response.retryAfterMs <= 0) return response;
      if (Date.now() + waitMs > giveUpAt || this.isClosed || !client.isConnected()) return response;
      await this.nextChange(waitMs);
      if (!client.isConnected()) return response;
    }
  }

  /** The connection to send `body` on. While disconnected, a login or register connects first: the way back after a kick. */
  private async connectedClientFor(body: RequestBody): Promise<ChatClient> {
    const current = this.client;
    if (current?.isConnected()) return current;
    if (!body.login && !body.register && !body.resume) throw new DchatError('DCHAT_CLIENT_NOT_CONNECTED', this.notConnectedText());
    try {
      await this.open();
    } catch (err) {
      throw new DchatError('DCHAT_CLIENT_NOT_CONNECTED', `cannot connect to ${this.address()}: ${errorMessage(err)}; try again in a moment`, { cause: err });
    }
    this.listener.status?.('connected', `reconnected to ${this.address()}`);
    this.notifyChange();
    const client = this.client;
    if (!client?.isConnected()) throw new DchatError('DCHAT_CLIENT_NOT_CONNECTED', this.notConnectedText());
    return client;
  }

  private notConnectedText(): string {
    if (this.mayReconnect) return `not connected to ${this.address()} right now; reconnecting, try again in a moment`;
    return `not connected to ${this.address()} (${this.stopReason}); login:<userid>:<password> connects again`;
  }

  close(): void {
    this.isClosed = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.reconnectTimer);
    this.inbox.flush(); // the acks still gathering go out before the connection closes
    this.client?.close();
    this.notifyChange();
    this.listener.status?.('closed', 'closed');
  }

  /** Connected, and logged in again if the user was logged in: a resend can go out. */
  private isReady(): boolean {
    if (!this.client?.isConnected()) return false;
    return this.credentials === undefined || this.loggedInClient === this.client;
  }

  /** Closed, or disconnected for good (logged in elsewhere): nothing will make the session ready. */
  private isHopeless(): boolean {
    return this.isClosed || (!this.mayReconnect && !this.client?.isConnected());
  }

  private async waitUntilReady(deadlineMs: number): Promise<boolean> {
    for (;;) {
      if (this.isReady()) return true;
      if (this.isHopeless() || Date.now() >= deadlineMs) return false;
      await this.nextChange(deadlineMs - Date.now());
    }
  }

  /** Resolves at the next change of the session (connected, logged in, lost, closed), or after timeoutMs. */
  private nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.changeWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.changeWaiters.add(done);
    });
  }

  private notifyChange(): void {
    for (const done of [...this.changeWaiters]) done();
  }

  private loggedIn(client: ChatClient): void {
    this.loggedInClient = client;
    this.notifyChange();
  }

  private address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Opens a new connection; a second caller while one is being opened waits for that one. */
  private open(): Promise<void> {
    this.opening ??= this.openNew().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async openNew(): Promise<void> {
    const client = new ChatClient({
      host: this.options.host,
      port: this.options.port,
      pingIntervalMs: 0,
      ...(this.options.localAddress ? { localAddress: this.options.localAddress } : {}),
      ...(this.options.requestTimeoutMs ? { requestTimeoutMs: this.options.requestTimeoutMs } : {}),
    });
    client.onEvent((event) => this.onEvent(client, event));
    client.onClose(() => this.onConnectionLost(client));
    await client.connect();
    this.client = client;
    this.mayReconnect = true;
    this.startHeartbeat(client);
  }

  private onEvent(client: ChatClient, event: dchat.client.Event): void {
    if (event.message) {
      if (this.inbox.accept(event.message)) this.listener.message?.(event.message);
      return;
    }
    // A kick of a connection this session has already left (it reconnected meanwhile, and the node
    // ends the old login in favour of the new one) is about nobody: acting on it would end the
    // session's own newer login.
    if (event.kicked && client !== this.client) return;
    const kickCode = event.kicked?.code;
    if (kickCode === dchat.client.KickCode.LOGGED_IN_ELSEWHERE) {
      // Reconnecting would take the login back from the other device, which would take it back again.
      this.stopReconnecting('you logged in elsewhere');
      this.credentials = undefined;
    } else if (kickCode === dchat.client.KickCode.LOGIN_TIMEOUT && !this.credentials) {
      // Nobody is logged in to restore: a new connection would only time out again. (With a
      // resume token, the node was too busy to let the resume in: a new connection tries again.)
      this.stopReconnecting('not logged in in time');
    } else if (kickCode === dchat.client.KickCode.TOO_MANY_CONNECTIONS) {
      this.wasRefusedAsCrowded = true;
    }
    this.listener.event?.(event);
    // The node answered every request it had read before this notice and reads nothing more:
    // waiting for it to close the connection (it is sending all its other clients away too)
    // would only delay the move to another node.
    if (kickCode === dchat.client.KickCode.SHUTTING_DOWN) client.destroy();
  }

  private stopReconnecting(reason: string): void {
    this.mayReconnect = false;
    this.stopReason = reason;
  }

  private startHeartbeat(client: ChatClient): void {
    clearInterval(this.pingTimer);
    const intervalMs = this.options.pingIntervalMs ?? 30_000;
    if (intervalMs <= 0) return;
    this.pingTimer = setInterval(() => {
      const timeoutMs = this.options.pingTimeoutMs ?? 10_000;
      const timer = setTimeout(() => client.destroy(), timeoutMs);
      client.request({ ping: { clientTimeMs: Date.now() } }).then(
        () => clearTimeout(timer),
        () => clearTimeout(timer),
      );
    }, intervalMs);
    this.pingTimer.unref();
  }

  private onConnectionLost(client: ChatClient): void {
    if (client !== this.client || this.isClosed) return;
    clearInterval(this.pingTimer);
    this.notifyChange();
    if (!this.mayReconnect) {
      // The reason comes first: the full-screen client's header has room for the start only.
      this.listener.status?.('disconnected', `${this.stopReason}: not reconnecting by itself; login:<userid>:<password> connects to ${this.address()} again`);
      return;
    }
    // A node that refused us as crowded, or a connection lost before its login was restored, is
    // no sign of recovery: the backoff goes on growing, or a crowd of clients would hammer the node.
    const isRecovered = !this.wasRefusedAsCrowded && (this.credentials === undefined || this.loggedInClient === client);
    this.wasRefusedAsCrowded = false;
    if (isRecovered) this.attempt = 0;
    this.scheduleReconnect(isRecovered ? 'the connection was lost' : 'the node refused the connection or it was lost before the login');
  }

  private scheduleReconnect(why: string): void {
    const initial = this.options.backoffInitialMs ?? 250;
    const max = this.options.backoffMaxMs ?? 10_000;
    // Full jitter: many clients of one crashed node must not come back in lockstep.
    const delayMs = Math.round(Math.random() * Math.min(max, initial * 2 ** this.attempt));
    this.attempt++;
    this.listener.status?.('reconnecting', `${why}; reconnecting to ${this.address()} in ${delayMs} ms (attempt ${this.attempt})`);
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delayMs);
  }

  private async reconnect(): Promise<void> {
    // A login typed during the backoff may have connected already.
    if (this.isClosed || this.client?.isConnected()) return;
    try {
      await this.open();
    } catch (err) {
      this.scheduleReconnect(errorMessage(err));
      return;
    }
    this.listener.status?.('connected', `reconnected to ${this.address()}`);
    this.notifyChange();
    const credentials = this.credentials;
    const client = this.client;
    if (!credentials || !client) return;
    try {
      const response = await this.requestWhenAdmitted(client, { resume: { userId: credentials.userId, token: credentials.resumeToken } });
      if (response.status === dchat.Status.OK) this.loggedIn(client);
      // Refused for good (expired, revoked: not a passing overload): only the password helps now.
      else if (response.status !== dchat.Status.RESOURCE_EXHAUSTED && response.status !== dchat.Status.UNAVAILABLE) this.credentials = undefined;
      this.listener.relogin?.(response);
      // Still busy: a new connection after the backoff tries again.
      if (this.credentials && response.status !== dchat.Status.OK) client.destroy();
    } catch (err) {
      this.listener.status?.('reconnecting', `logging in again failed: ${errorMessage(err)}`);
      client.destroy();
    }
  }
}
