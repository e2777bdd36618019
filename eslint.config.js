import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', '.tmp/**', '**/src/proto/generated/**', '**/*.generated.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      // One way to spell private members: TypeScript's `private`, not `#name`.
      'no-restricted-syntax': ['error', { selector: 'PrivateIdentifier', message: "use TypeScript's `private` modifier, not a #private name (house style)" }],
    },
  },
);
