/**
 * `initkit tftp`: fetch and send files over TFTP (get, put) with a progress bar on a TTY, and serve a
 * directory (serve) until SIGINT or SIGTERM. The flags are declared in registerTftp; the actions are
 * the named functions below it.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { InitkitError } from '@initkit/core';
import {
  parseHostPort,
  startTftpServer,
  type TftpClientOptions,
  type TftpTransferEvent,
  type TftpTransferResult,
  tftpGetToFile,
  tftpGetToStream,
  tftpPut,
} from '@initkit/tftp';
import type { Command } from 'commander';
import { withFile, withFileSync } from '../file-errors.js';
import { parseCount } from '../input.js';
import { printJson } from '../output.js';
import { createProgress, formatBytes } from '../progress.js';
import { UsageError } from '../usage-error.js';

interface TransferFlags {
  blksize?: string;
  windowsize?: string;
  timeout?: string;
  retries?: string;
  deadline?: string;
  netascii?: boolean;
  options: boolean;
  quiet?: boolean;
  json?: boolean;
}

function addTransferOptions(command: Command): Command {
  return command
    .option('--blksize <n>', 'block size to ask for, 8..65464, or auto (one packet on the link)', 'auto')
    .option('--windowsize <n>', 'blocks per acknowledgement to ask for (RFC 7440)', '16')
    .option('--timeout <ms>', 'first retransmission timeout in milliseconds (sent to the server)')
    .option('--retries <n>', 'retransmissions without progress before giving up', '5')
    .option('--deadline <seconds>', 'fail if the whole transfer takes longer')
    .option('--netascii', 'netascii mode (line ends converted) instead of octet')
    .option('--no-options', 'send a plain RFC 1350 request (no blksize, tsize, windowsize)')
    .option('-q, --quiet', 'no progress output')
    .option('--json', 'print the transfer summary as JSON');
}

function clientOptions(target: string, file: string, flags: TransferFlags): TftpClientOptions {
  let host: string;
  let port: number | undefined;
  try {
    ({ host, port } = parseHostPort(target));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const options: TftpClientOptions = { host, file, options: flags.options };
  if (port !== undefined) options.port = port;
  if (flags.blksize !== undefined && flags.blksize !== 'auto') {
    options.blksize = ranged(flags.blksize, '--blksize', 8, 65464);
  }
  if (flags.windowsize !== undefined) options.windowsize = ranged(flags.windowsize, '--windowsize', 1, 65535);
  if (flags.timeout !== undefined) options.timeout = ranged(flags.timeout, '--timeout', 1, 255_000);
  if (flags.retries !== undefined) options.retries = ranged(flags.retries, '--retries', 0, 1000);
  if (flags.deadline !== undefined) {
    const seconds = Number(flags.deadline);
    if (!(seconds > 0)) throw new UsageError(`invalid --deadline ${flags.deadline}: expected seconds above 0`);
    options.deadline = seconds * 1000;
  }
  if (flags.netascii) options.mode = 'netascii';
  return options;
}

function ranged(text: string, what: string, min: number, max: number): number {
  const value = parseCount(text, what);
  if (value < min || value > max) throw new UsageError(`invalid ${what} ${text}: expected ${min} to ${max}`);
  return value;
}

function describeResult(result: TftpTransferResult): string {
  const seconds = Math.max(result.elapsedMs / 1000, 0.001);
  const negotiated = result.negotiated ? `blksize ${result.blksize}, windowsize ${result.windowsize}` : 'no options';
  return `${result.bytes} bytes in ${seconds.toFixed(2)} s (${formatBytes(result.bytes / seconds)}/s), ${negotiated}`;
}

function report(result: TftpTransferResult, flags: TransferFlags, label: string, toStdout: boolean): void {
  if (flags.json) {
    if (toStdout) process.stderr.write(`${JSON.stringify(result)}\n`);
    else printJson(result);
  } else if (!flags.quiet) {
    process.stderr.write(`${label}: ${describeResult(result)}\n`);
  }
}

/** Adds the `tftp` sub-commands to the area's command (named and described in catalog.ts). */
export function registerTftp(tftp: Command): void {
  addTransferOptions(
    tftp
      .command('get')
      .description('fetch REMOTE from a TFTP server into LOCAL (replaced atomically) or stdout')
      .argument('<server>', 'HOST[:PORT] (IPv6 as [ADDR]:PORT)')
      .argument('<remote>', 'file name on the server')
      .option('-o, --output <local>', 'local file, or - for stdout (default: the remote base name)'),
  ).action(getAction);

  addTransferOptions(
    tftp
      .command('put')
      .description('send LOCAL to a TFTP server as REMOTE (default: the local base name)')
      .argument('<server>', 'HOST[:PORT] (IPv6 as [ADDR]:PORT)')
      .argument('<local>', 'local file')
      .argument('[remote]', 'file name on the server'),
  ).action(putAction);

  tftp
    .command('serve')
    .description('serve DIR over TFTP until interrupted (read-only unless --allow-write)')
    .argument('<dir>', 'directory to serve')
    .option('--port <n>', 'UDP port (0 picks a free one)', '69')
    .option('--address <addr>', 'address to listen on (:: for IPv6 and IPv4)', '0.0.0.0')
    .option('--allow-write', 'accept write requests (files are replaced atomically)')
    .option('--max-blksize <n>', 'largest block size granted', '65464')
    .option('--max-windowsize <n>', 'largest window granted', '64')
    .option('--timeout <ms>', 'retransmission timeout when the client asks for none', '1000')
    .option('--max-transfers <n>', 'transfers at once; more are refused as busy', '1024')
    .option(
      '--max-memory <bytes>',
      'block bytes all transfers hold together: an octet read one 256 KiB batch, netascii or a write its window (default 256 MiB)',
      String(256 << 20),
    )
    .option('-q, --quiet', 'do not log transfers')
    .action(serveAction);
}

async function getAction(server: string, remote: string, flags: TransferFlags & { output?: string }): Promise<void> {
  const output = flags.output ?? basename(remote);
  if (output === '' || output === '.' || output === '..') throw new UsageError('give a local file name with -o');
  const label = `tftp get ${remote}`;
  const progress = createProgress(label, {
    quiet: flags.quiet === true || flags.json === true || (output === '-' && !process.stderr.isTTY),
  });
  const options = clientOptions(server, remote, flags);
  options.onProgress = ({ bytes, total }) => progress.update(bytes, total);
  const toStdout = output === '-';
  const result = toStdout
    ? await tftpGetToStream(options, process.stdout, { end: false })
    : await withFile(output, 'the local file (-o)', () => tftpGetToFile(options, output));
  progress.finish();
  report(result, flags, label, toStdout);
}

async function putAction(server: string, local: string, remote: string | undefined, flags: TransferFlags) {
  const name = remote ?? basename(local);
  const label = `tftp put ${name}`;
  withFileSync(local, 'the local file to send', () => statSync(local));
  const progress = createProgress(label, { quiet: flags.quiet === true || flags.json === true });
  const options = clientOptions(server, name, flags);
  options.onProgress = ({ bytes, total }) => progress.update(bytes, total);
  const result = await withFile(local, 'the local file to send', () => tftpPut({ ...options, data: { path: local } }));
  progress.finish();
  report(result, flags, label, false);
}

interface ServeFlags {
  port: string;
  address: string;
  allowWrite?: boolean;
  maxBlksize: string;
  maxWindowsize: string;
  timeout: string;
  maxTransfers: string;
  maxMemory: string;
  quiet?: boolean;
}

async function serveAction(dir: string, flags: ServeFlags): Promise<void> {
  // A root that does not exist would serve "file not found" to every client: refuse it at once.
  if (!withFileSync(dir, 'the TFTP root directory', () => statSync(dir)).isDirectory()) {
    throw new InitkitError('CLI_NOT_A_DIRECTORY', `not a directory: ${dir} (the TFTP root directory)`);
  }
  const server = await startTftpServer({
    root: dir,
    port: ranged(flags.port, '--port', 0, 65535),
    address: flags.address,
    allowWrite: flags.allowWrite === true,
    maxBlksize: ranged(flags.maxBlksize, '--max-blksize', 8, 65464),
    maxWindowsize: ranged(flags.maxWindowsize, '--max-windowsize', 1, 65535),
    timeout: ranged(flags.timeout, '--timeout', 1, 255_000),
    maxTransfers: ranged(flags.maxTransfers, '--max-transfers', 1, 65535),
    maxMemoryBytes: ranged(flags.maxMemory, '--max-memory', 512, Number.MAX_SAFE_INTEGER),
    ...(flags.quiet ? {} : { onTransfer: logTransfer }),
  });
  const where = server.address.includes(':')
    ? `[${server.address}]:${server.port}`
    : `${server.address}:${server.port}`;
  process.stdout.write(`serving ${dir} on ${where}${flags.allowWrite ? ' (writes allowed)' : ' (read-only)'}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function logTransfer(event: TftpTransferEvent): void {
  const client = event.client.address.includes(':')
    ? `[${event.client.address}]:${event.client.port}`
    : `${event.client.address}:${event.client.port}`;
  const outcome = event.error ? `failed: ${event.error.message}` : `${event.bytes} bytes in ${event.elapsedMs} ms`;
  process.stderr.write(`${event.kind} ${JSON.stringify(event.file)} by ${client}: ${outcome}\n`);
}
