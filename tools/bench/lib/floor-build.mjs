// Compiles the floor's TypeScript to CommonJS under dist/, so it starts as plain `node main.js`
// with the gateway's flags and without a compiler loaded in its memory.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformFileSync } from '@swc/core';

const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: false,
};

/** Compiles every .ts of `sourceDir` into `outDir`; returns the path of the compiled main.js. */
export function buildFloor(sourceDir, outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const file of readdirSync(sourceDir).filter((name) => name.endsWith('.ts'))) {
    const { code } = transformFileSync(join(sourceDir, file), SWC_OPTIONS);
    writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), code);
  }
  return join(outDir, 'main.js');
}
