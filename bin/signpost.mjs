#!/usr/bin/env node
// Entry point for `npx signpost`: runs the TypeScript sources through tsx, so no build step is
// needed after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/app/cli.ts');
