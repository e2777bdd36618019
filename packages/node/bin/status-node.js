#!/usr/bin/env node
// The `status-node` bin: the build of an installed package, the TypeScript sources in a checkout (see launch.js).
import { launch } from './launch.js';

await launch('status-node');
