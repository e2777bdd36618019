// Run with: node [--import tsx --conditions=typescript] --import ./scripts/native-load-probe.mjs -e "await import('x')"
// At exit, prints one JSON line `NATIVE-PROBE {"dlopen":[...],"modules":[...]}`: every native addon
// loaded (process.dlopen, which every `.node` file goes through) and every CommonJS module file
// under node_modules/{better-sqlite3,better-sqlite3-multiple-ciphers,pg,pg-pool,secp256k1,bindings}.
import process from 'node:process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Module = require('node:module');
const dlopened = [];
const original = process.dlopen;
process.dlopen = function dlopen(module, filename, ...rest) {
  dlopened.push(String(filename));
  return original.call(this, module, filename, ...rest);
};
const WATCHED = /[\\/]node_modules[\\/](?:\.store[\\/][^\\/]+[\\/]node_modules[\\/])?(better-sqlite3(?:-multiple-ciphers)?|pg|pg-pool|secp256k1|bindings)[\\/]/;
process.on('exit', () => {
  const modules = Object.keys(Module._cache).filter((f) => WATCHED.test(f) || f.endsWith('.node'));
  process.stdout.write(`\nNATIVE-PROBE ${JSON.stringify({ dlopen: dlopened, modules })}\n`);
});
