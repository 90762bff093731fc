/**
 * Retransmission timing shared by both ends: a first timeout, doubled after each silent interval up to
 * a ceiling, and a number of retransmissions after which the transfer gives up with TFTP_TIMEOUT.
 */
import { TftpError } from './errors.js';
export interface RetransmitPolicy {
  /** First retransmission timeout in milliseconds. */
  timeoutMs: number;
  /** Ceiling for the doubled timeout. */
  maxTimeoutMs: number;
  /** Retransmissions in a row without progress before giving up. */
  retries: number;
}

export const DEFAULT_RETRANSMIT: Readonly<RetransmitPolicy> = Object.freeze({
  timeoutMs: 1000,
  maxTimeoutMs: 8000,
  retries: 5,
});

/** Tracks consecutive timeouts; `reset()` on progress. */
export class Backoff {
  private current: number;
  attempts = 0;

  constructor(readonly policy: RetransmitPolicy) {
    this.current = policy.timeoutMs;
  }

  get timeoutMs(): number {
    return this.current;
  }

  /** Records a timeout; returns false when the retries are used up. */
  expired(): boolean {
    this.attempts++;
    this.current = Math.min(this.policy.maxTimeoutMs, this.current * 2);
    return this.attempts <= this.policy.retries;
  }

  /**
   * Records a silent interval: returns when the caller should retransmit, throws TFTP_TIMEOUT
   * (`label: what()`) when the retries are used up.
   */
  retransmitOrGiveUp(label: string, what: () => string): void {
    if (!this.expired()) throw new TftpError('TFTP_TIMEOUT', `${label}: ${what()}`);
  }

  reset(): void {
    this.attempts = 0;
    this.current = this.policy.timeoutMs;
  }
}
