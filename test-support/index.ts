// What the tests of every package share: one `until`, one reader of the `vectors/` tree.
export { until } from './until.js';
export { loadVector, vectorPath, VECTORS_ROOT } from './vectors.js';
