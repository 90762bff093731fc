/**
 * A UDP relay that stands between a TFTP client and server and misbehaves on purpose: it drops,
 * duplicates, delays and reorders datagrams with given probabilities (a seeded generator, so a failing
 * run can be replayed), and can add a fixed one-way delay to every datagram (the benchmark's round-trip
 * time, since netem is not available). It keeps TFTP's transfer IDs apart: each server port it sees gets
 * its own relay port facing the client, so the client sees a new port per transfer as it would directly.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';

export interface RelayFaults {
  /** Probability (0..1) that a datagram is lost. */
  drop?: number;
  /** Probability that a datagram is delivered twice. */
  duplicate?: number;
  /** Probability that a datagram is held back by a random 1..`maxExtraDelayMs` ms. */
  delay?: number;
  /** Probability that a datagram is held until the next one on its path has gone (swapping their order). */
  reorder?: number;
  maxExtraDelayMs?: number;
}

export interface UdpRelayOptions {
  /** Where requests go (the server's well-known port). */
  target: { address: string; port: number };
  /** Address the relay listens on; the target's loopback family by default. */
  listenAddress?: string;
  /** Faults on datagrams from the client to the server. */
  toServer?: RelayFaults;
  /** Faults on datagrams from the server to the client. */
  toClient?: RelayFaults;
  /** Delay added to every datagram in each direction, in milliseconds (1 gives a 2 ms round trip). */
  fixedDelayMs?: number;
  /** Seed of the fault generator. */
  seed?: number;
}

export interface RelayStats {
  forwarded: number;
  dropped: number;
  duplicated: number;
  delayed: number;
  reordered: number;
}

export interface UdpRelay {
  address: string;
  /** The port clients send their requests to. */
  port: number;
  stats: RelayStats;
  close(): Promise<void>;
}

/** mulberry32: a small, fast, seedable generator; good enough to pick faults. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Node's timers tick in whole milliseconds, so a datagram cannot leave exactly `delayMs` after it came.
 * Each one leaves on the first tick within half a millisecond of its due time: the delay averages
 * `delayMs`, and a peer that answers a few microseconds later than another is not pushed a whole tick
 * further (which an exact "not before due" rule would do, turning 20 us into 1 ms).
 */
const TICK_SLACK_MS = 0.5;

/** A FIFO of datagrams that each leave about `delayMs` after they arrived, driven by one timer. */
class DelayLine {
  private readonly queue: { due: number; send: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly delayMs: number) {}

  push(send: () => void): void {
    if (this.delayMs <= 0) {
      send();
      return;
    }
    this.queue.push({ due: performance.now() + this.delayMs, send });
    if (!this.timer) this.arm();
  }

  private arm(): void {
    const head = this.queue[0];
    if (!head) {
      this.timer = undefined;
      return;
    }
    this.timer = setTimeout(() => this.release(), Math.max(0, head.due - TICK_SLACK_MS - performance.now()));
  }

  private release(): void {
    const now = performance.now();
    let index = 0;
    while (index < this.queue.length && this.queue[index]!.due <= now + TICK_SLACK_MS) this.queue[index++]!.send();
    this.queue.splice(0, index);
    this.arm();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/** One direction of one path (client -> server or back) with its fault state. */
class Path {
  private held: (() => void) | undefined;
  private heldTimer: NodeJS.Timeout | undefined;
  private readonly line: DelayLine;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly faults: RelayFaults,
    fixedDelayMs: number,
    private readonly random: () => number,
    private readonly stats: RelayStats,
  ) {
    this.line = new DelayLine(fixedDelayMs);
  }

  forward(send: () => void): void {
    const { drop = 0, duplicate = 0, delay = 0, reorder = 0, maxExtraDelayMs = 20 } = this.faults;
    if (this.random() < drop) {
      this.stats.dropped++;
      return;
    }
    const copies = this.random() < duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let copy = 0; copy < copies; copy++) {
      if (this.random() < delay) {
        this.stats.delayed++;
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            this.emit(send);
          },
          1 + Math.floor(this.random() * maxExtraDelayMs),
        );
        this.timers.add(timer);
      } else if (!this.held && this.random() < reorder) {
        this.stats.reordered++;
        this.held = send;
        // If nothing follows, let it go anyway.
        this.heldTimer = setTimeout(() => this.releaseHeld(), maxExtraDelayMs);
      } else {
        this.emit(send);
        this.releaseHeld();
      }
    }
  }

  private releaseHeld(): void {
    if (!this.held) return;
    const held = this.held;
    this.held = undefined;
    clearTimeout(this.heldTimer);
    this.emit(held);
  }

  private emit(send: () => void): void {
    this.stats.forwarded++;
    this.line.push(send);
  }

  close(): void {
    clearTimeout(this.heldTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.line.close();
  }
}

const BUFFER_BYTES = 4 << 20;

function bound(type: 'udp4' | 'udp6', address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type, recvBufferSize: BUFFER_BYTES, sendBufferSize: BUFFER_BYTES });
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

export async function startUdpRelay(options: UdpRelayOptions): Promise<UdpRelay> {
  const type = isIP(options.target.address) === 6 ? 'udp6' : 'udp4';
  const listenAddress = options.listenAddress ?? (type === 'udp6' ? '::1' : '127.0.0.1');
  const random = generator(options.seed ?? 1);
  const fixed = options.fixedDelayMs ?? 0;
  const stats: RelayStats = { forwarded: 0, dropped: 0, duplicated: 0, delayed: 0, reordered: 0 };
  const sockets: Socket[] = [];
  const paths: Path[] = [];
  const newPath = (faults: RelayFaults | undefined) => {
    const path = new Path(faults ?? {}, fixed, random, stats);
    paths.push(path);
    return path;
  };
  const open = async () => {
    const socket = await bound(type, listenAddress);
    sockets.push(socket);
    return socket;
  };

  /** Per client endpoint: the socket facing the server and the relay sockets facing the client. */
  interface Client {
    endpoint: RemoteInfo;
    upstream: Socket;
    toServer: Path;
    toClient: Path;
    /** server port -> relay socket the client talks to for that transfer ID */
    fronts: Map<number, Promise<Socket>>;
  }
  const clients = new Map<string, Promise<Client>>();
  const front = await open();

  const clientFor = (endpoint: RemoteInfo): Promise<Client> => {
    const key = `${endpoint.address}|${endpoint.port}`;
    let client = clients.get(key);
    if (!client) {
      client = (async () => {
        const upstream = await open();
        const state: Client = {
          endpoint,
          upstream,
          toServer: newPath(options.toServer),
          toClient: newPath(options.toClient),
          fronts: new Map(),
        };
        upstream.on('message', async (message, server) => {
          let facing = state.fronts.get(server.port);
          if (!facing) {
            facing = open().then((created) => {
              created.on('message', (reply, from) => {
                if (from.port !== endpoint.port || from.address !== endpoint.address) return;
                state.toServer.forward(() => upstream.send(reply, server.port, server.address));
              });
              return created;
            });
            state.fronts.set(server.port, facing);
          }
          const via = await facing;
          state.toClient.forward(() => via.send(message, endpoint.port, endpoint.address));
        });
        return state;
      })();
      clients.set(key, client);
    }
    return client;
  };

  front.on('message', async (message, from) => {
    const client = await clientFor(from);
    client.toServer.forward(() => client.upstream.send(message, options.target.port, options.target.address));
  });

  return {
    address: listenAddress,
    port: front.address().port,
    stats,
    async close() {
      for (const path of paths) path.close();
      await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    },
  };
}
