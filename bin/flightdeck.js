#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so `npx flightdeck …` works in a checkout right after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
