// A TCP proxy in front of Postgres that counts the SQL statements its clients execute, read from
// the frontend/backend protocol (v3): a simple query ('Q') is one statement, and in the extended
// protocol every Execute ('E') is one, its text found through the Bind ('B') of a Parse ('P').
// Every byte is forwarded untouched; only the client-to-server direction is read.
import { createConnection, createServer } from 'node:net';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export const STATEMENT_KINDS = ['transaction', 'select', 'insert', 'update', 'delete', 'other'];

/** BEGIN/COMMIT & co., the four DML verbs by their first word, and the rest (pg_notify, WITH …, SET, LISTEN, DDL). */
export function statementKind(sql) {
  const text = sql.trimStart().toLowerCase();
  if (/^(begin|start transaction|commit|rollback|savepoint|release|end)\b/.test(text)) return 'transaction';
  if (/^select\s+pg_notify\s*\(/.test(text)) return 'other';
  const verb = /^(select|insert|update|delete)\b/.exec(text)?.[1];
  return verb ?? 'other';
}

/**
 * @param {{ host: string, port: number }} upstream  the Postgres server
 * @returns {Promise<{ port: number, snapshot: () => Record<string, number>, texts: () => Map<string, number>, stop: () => Promise<void> }>}
 *   snapshot: statements so far, as { total, transaction, select, insert, update, delete, other };
 *   texts: how many times each statement text ran so far.
 */
export async function startSqlCountingProxy(upstream) {
  const counts = Object.fromEntries(['total', ...STATEMENT_KINDS].map((kind) => [kind, 0]));
  const texts = new Map();
  const sockets = new Set();
  const count = (sql = '') => {
    counts.total++;
    counts[statementKind(sql)]++;
    texts.set(sql, (texts.get(sql) ?? 0) + 1);
  };
  const server = createServer((client) => {
    const server = createConnection(upstream);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        server.destroy();
      });
    }
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
    const reader = frontendReader(count);
    client.on('data', reader);
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    snapshot: () => ({ ...counts }),
    texts: () => new Map(texts),
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A 'data' listener that splits the client's byte stream into protocol messages and counts the executed ones. */
function frontendReader(count) {
  let pending = Buffer.alloc(0);
  let startingUp = true;
  const parsed = new Map();
  const bound = new Map();
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (startingUp) {
        // Startup, SSL and GSS requests carry no type byte: int32 length, int32 code.
        if (pending.length < 8 || pending.length < pending.readInt32BE(0)) return;
        const code = pending.readInt32BE(4);
        pending = pending.subarray(pending.readInt32BE(0));
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startingUp = false;
        continue;
      }
      if (pending.length < 5 || pending.length < 1 + pending.readInt32BE(1)) return;
      const type = String.fromCharCode(pending[0]);
      const body = pending.subarray(5, 1 + pending.readInt32BE(1));
      pending = pending.subarray(1 + pending.readInt32BE(1));
      if (type === 'Q') {
        count(cString(body, 0).text);
      } else if (type === 'P') {
        const name = cString(body, 0);
        parsed.set(name.text, cString(body, name.end).text);
      } else if (type === 'B') {
        const portal = cString(body, 0);
        bound.set(portal.text, parsed.get(cString(body, portal.end).text));
      } else if (type === 'E') {
        count(bound.get(cString(body, 0).text) ?? '');
      }
    }
  };
}

function cString(buffer, start) {
  const end = buffer.indexOf(0, start);
  return { text: buffer.toString('utf8', start, end), end: end + 1 };
}
