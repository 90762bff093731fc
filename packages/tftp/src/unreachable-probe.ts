/**
 * Fails a request fast when nothing listens at the server's port. The request goes out on an
 * unconnected socket (the answer comes from a new port), and Linux reports ICMP "port unreachable" only
 * to connected UDP sockets; so a second socket connected to the request port sends one ERROR packet,
 * which servers ignore or answer with an ERROR of their own, and the ICMP error for it arrives as
 * ECONNREFUSED within milliseconds instead of after every retransmission (31 s by default).
 */
import { createSocket } from 'node:dgram';
import { type Endpoint, formatEndpoint } from './channel.js';
import { TftpError, TftpErrorCode } from './errors.js';
import { encodeError } from './packets.js';

/** How long the probe listens for the ICMP error before it closes; the answer to it is never read. */
const PROBE_MS = 5000;

/**
 * Starts the probe; `onUnreachable` runs once if the port is closed. Returns the function that stops
 * the probe (call it when the server has answered or the request has failed otherwise).
 */
export function probeUnreachable(
  server: Endpoint,
  family: 4 | 6,
  label: string,
  onUnreachable: (error: TftpError) => void,
): () => void {
  const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    try {
      socket.close();
    } catch {
      // Already closed.
    }
  };
  const timer = setTimeout(stop, PROBE_MS);
  timer.unref?.();
  socket.on('message', () => {}); // A server's ERROR answer to the probe: nothing to do.
  socket.on('error', (error: NodeJS.ErrnoException) => {
    const refused = error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH';
    stop();
    if (refused) {
      onUnreachable(
        new TftpError('TFTP_UNREACHABLE', `${label}: ${formatEndpoint(server)} is unreachable (${error.code})`, {
          cause: error,
        }),
      );
    }
  });
  socket.connect(server.port, server.address, () => {
    if (!stopped) socket.send(encodeError(TftpErrorCode.NotDefined, ''), () => {});
  });
  return stop;
}
