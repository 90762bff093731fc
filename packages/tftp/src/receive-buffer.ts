/**
 * Sizing a receiver's socket buffer for a window. The kernel charges each datagram more than its
 * payload, and a window that does not fit is cut short on every burst; so the buffer is grown as far as
 * the system allows and the window is lowered to what the buffer can hold.
 */
import type { Socket } from 'node:dgram';

/** Upper bound asked of the kernel (it silently caps at net.core.rmem_max). */
const MAX_BUFFER = 8 << 20;

/** Grows the receive buffer for `windowsize` blocks of `blksize`; returns the windowsize that fits. */
export function fitWindowToBuffer(socket: Socket, blksize: number, windowsize: number): number {
  const perBlock = 2 * (blksize + 512);
  try {
    socket.setRecvBufferSize(Math.min(MAX_BUFFER, Math.max(256 << 10, windowsize * perBlock)));
  } catch {
    // The kernel keeps its default; the window is sized to that.
  }
  return Math.max(1, Math.min(windowsize, Math.floor(socket.getRecvBufferSize() / perBlock)));
}
