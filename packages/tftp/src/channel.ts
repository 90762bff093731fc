/**
 * One transfer's UDP socket as a queue of decoded packets with timeouts. It enforces the transfer ID
 * rules of RFC 1350: before the peer's port is known only its address is accepted; once it is, packets
 * from any other port are answered with ERROR 5 and dropped. An AbortSignal and an overall deadline cut
 * any wait short with TFTP_ABORTED or TFTP_DEADLINE.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { TftpError, TftpErrorCode } from './errors.js';
import { decodePacket, encodeError, type Packet } from './packets.js';

export interface Endpoint {
  address: string;
  port: number;
}

export interface Incoming {
  packet: Packet;
  from: Endpoint;
}

export interface ChannelOptions {
  /** Only datagrams from this address are considered until `lock()` fixes the port too. */
  peerAddress: string;
  signal?: AbortSignal | undefined;
  /** Absolute time (Date.now() milliseconds) by which the whole transfer must be over. */
  deadlineAt?: number | undefined;
  /** What the transfer is, for messages ("read of boot.scr from 10.0.0.1:69"). */
  label: string;
}

/** Packets queued beyond this are dropped, as a full socket buffer would. */
const MAX_QUEUED = 8192;

export function formatEndpoint({ address, port }: Endpoint): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export class Channel {
  private peer: Endpoint | undefined;
  private readonly queue: Incoming[] = [];
  private head = 0;
  private waiter: ((incoming: Incoming | undefined) => void) | undefined;
  private failWaiter: ((error: Error) => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  private background = false;
  private pendingSends = 0;
  private readonly onMessage = (message: Buffer, remote: RemoteInfo) => this.receive(message, remote);
  private readonly onError = (error: Error) => this.fail(socketError(error, this.options.label));
  private readonly onAbort = () =>
    this.fail(
      new TftpError('TFTP_ABORTED', `${this.options.label} was aborted`, { cause: this.options.signal?.reason }),
    );

  constructor(
    readonly socket: Socket,
    private readonly options: ChannelOptions,
  ) {
    socket.on('message', this.onMessage);
    socket.on('error', this.onError);
    if (options.signal?.aborted) this.onAbort();
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get label(): string {
    return this.options.label;
  }

  /** The peer's transfer ID, once locked. */
  get lockedPeer(): Endpoint | undefined {
    return this.peer;
  }

  /** Fixes the peer's port: from now on only this endpoint is accepted. */
  lock(peer: Endpoint): void {
    this.peer = peer;
    // Drop anything queued from other ports (a second server process answering a retransmitted request).
    const kept = this.queue.slice(this.head).filter((item) => this.isPeer(item.from));
    this.queue.length = 0;
    this.queue.push(...kept);
    this.head = 0;
  }

  private isPeer(from: Endpoint): boolean {
    return this.peer !== undefined && from.port === this.peer.port && from.address === this.peer.address;
  }

  private receive(message: Buffer, remote: RemoteInfo): void {
    if (remote.address !== this.options.peerAddress) return;
    const from = { address: remote.address, port: remote.port };
    if (this.peer !== undefined && !this.isPeer(from)) {
      this.sendTo(encodeError(TftpErrorCode.UnknownTransferId, 'unknown transfer ID'), from);
      return;
    }
    let packet: Packet;
    try {
      packet = decodePacket(message);
    } catch {
      return; // A malformed datagram is dropped like a corrupted one.
    }
    const incoming = { packet, from };
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      this.failWaiter = undefined;
      resolve(incoming);
      return;
    }
    if (this.queue.length - this.head >= MAX_QUEUED) return;
    this.queue.push(incoming);
  }

  /** Ends every current and later wait with `error` (a failure found outside the socket, e.g. by a probe). */
  failWith(error: Error): void {
    this.fail(error);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    const reject = this.failWaiter;
    this.waiter = undefined;
    this.failWaiter = undefined;
    reject?.(error);
  }

  /** Milliseconds left before the deadline (Infinity without one). */
  remaining(): number {
    return this.options.deadlineAt === undefined ? Number.POSITIVE_INFINITY : this.options.deadlineAt - Date.now();
  }

  private deadlineError(): TftpError {
    return new TftpError('TFTP_DEADLINE', `${this.options.label} did not complete before its deadline`);
  }

  /**
   * The next packet, or undefined when `timeoutMs` passes first. Rejects on abort, deadline or a socket
   * error.
   */
  next(timeoutMs: number): Promise<Incoming | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.head < this.queue.length) {
      const incoming = this.queue[this.head++]!;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      return Promise.resolve(incoming);
    }
    const remaining = this.remaining();
    if (remaining <= 0) return Promise.reject(this.deadlineError());
    const wait = Math.min(timeoutMs, remaining);
    return new Promise<Incoming | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.failWaiter = undefined;
        if (wait < timeoutMs) reject(this.deadlineError());
        else resolve(undefined);
      }, wait);
      if (this.background) timer.unref();
      this.waiter = (incoming) => {
        clearTimeout(timer);
        resolve(incoming);
      };
      this.failWaiter = (error) => {
        clearTimeout(timer);
        reject(error);
      };
    });
  }

  /** Lets the process exit while this channel still waits (the dally after a completed transfer). */
  runInBackground(): void {
    this.background = true;
    this.socket.unref();
  }

  /**
   * Sends to the locked peer (or `to`); send failures surface on the next wait. `onSent` runs once the
   * socket no longer needs `packet` (sent, failed, or dropped because the channel is closed), so its
   * memory may be reused.
   */
  send(packet: Uint8Array, to: Endpoint | undefined = this.peer, onSent?: () => void): void {
    if (!to) throw new Error('Channel.send before the peer is known');
    this.sendTo(packet, to, onSent);
  }

  private sendTo(packet: Uint8Array, to: Endpoint, onSent?: () => void): void {
    if (this.closed) {
      onSent?.();
      return;
    }
    this.pendingSends++;
    this.socket.send(packet, to.port, to.address, (error) => {
      this.pendingSends--;
      onSent?.();
      if (error) this.fail(socketError(error, this.options.label, to));
      if (this.closed && this.pendingSends === 0) this.closeSocket();
    });
  }

  /** Tells the peer why the transfer stops (best effort; ERROR packets are not acknowledged). */
  sendError(tftpCode: number, message: string): void {
    if (this.peer) this.sendTo(encodeError(tftpCode, message.slice(0, 500)), this.peer);
  }

  /** Stops listening and closes the socket once the datagrams already handed to it are sent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.socket.off('message', this.onMessage);
    if (this.pendingSends === 0) this.closeSocket();
  }

  private closeSocket(): void {
    this.socket.off('error', this.onError);
    this.socket.on('error', () => {});
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }
}

function socketError(error: Error, label: string, to?: Endpoint): TftpError {
  const code = (error as NodeJS.ErrnoException).code;
  const unreachable = code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNREFUSED';
  const where = to ? ` sending to ${formatEndpoint(to)}` : '';
  return new TftpError(unreachable ? 'TFTP_UNREACHABLE' : 'TFTP_SOCKET_ERROR', `${label}: ${error.message}${where}`, {
    cause: error,
  });
}
