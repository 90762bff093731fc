/**
 * The C1 rig's metadata server (Scaleway's 169.254.42.42, reached from the guest through QEMU's guestfwd):
 * GET /conf (KEY=value text), GET /conf?format=json, POST /state. It runs as its own process inside the
 * rig's network namespace: `tsx c1-metadata-server.ts PORT STATE.json`; every request re-reads STATE.json
 * ({ tags: string[], volumeUri: string }) so the test changes tags between power-ons, and each request is
 * logged on stdout as `METADATA <method> <url>` (with the body for POST).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

export interface MetadataState {
  tags: string[];
  /** nbd://host:port/name of the root volume (VOLUMES_0_EXPORT_URI). */
  volumeUri: string;
}

/** Single-quotes a value the way Scaleway's /conf does when it has spaces or quotes. */
function quote(value: string): string {
  return /^[A-Za-z0-9_.,:/=+-]*$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

export function metadataText(state: MetadataState): string {
  const lines = [
    'ID=c1-rig-0000',
    'NAME=c1-rig',
    'COMMERCIAL_TYPE=C1',
    'HOSTNAME=c1',
    `TAGS=${state.tags.length}`,
    ...state.tags.map((tag, index) => `TAGS_${index}=${quote(tag)}`),
    'VOLUMES=0',
    'VOLUMES_0_EXPORT_URI=' + quote(state.volumeUri),
    'BOOTSCRIPT_TITLE=' + quote('C1 rig provider boot'),
  ];
  return `${lines.join('\n')}\n`;
}

export function metadataJson(state: MetadataState): string {
  return JSON.stringify({
    id: 'c1-rig-0000',
    name: 'c1-rig',
    commercial_type: 'C1',
    hostname: 'c1',
    tags: state.tags,
    volumes: { '0': { export_uri: state.volumeUri } },
    bootscript: { title: 'C1 rig provider boot' },
  });
}

function main(): void {
  const [port, statePath] = process.argv.slice(2);
  if (!port || !statePath) {
    process.stderr.write('usage: c1-metadata-server.ts PORT STATE.json\n');
    process.exit(2);
  }
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      process.stdout.write(`METADATA ${request.method} ${request.url}${body ? ` ${body}` : ''}\n`);
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as MetadataState;
      const url = new URL(request.url ?? '/', 'http://169.254.42.42');
      if (request.method === 'GET' && url.pathname === '/conf') {
        const json = url.searchParams.get('format') === 'json';
        response.writeHead(200, { 'content-type': json ? 'application/json' : 'text/plain' });
        response.end(json ? metadataJson(state) : metadataText(state));
      } else if (request.method === 'POST' && url.pathname === '/state') {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('ok\n');
      } else {
        response.writeHead(404);
        response.end();
      }
    });
  });
  server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`METADATA listening on ${port}\n`));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) main();
