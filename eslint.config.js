// ESLint (flat config): typescript-eslint with type information for the server, workers, tests and
// both UIs, and eslint-plugin-vue for the single-file components. `npm run lint`; CI fails on errors.
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
      parserOptions: {
        // one program per tsconfig: server/workers/tests, the agent app (+ its UI unit tests), portal + widget
        project: ['./tsconfig.json', './agent-ui/tsconfig.json', './customer-ui/portal/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.vue'],
      },
    },
    rules: {
      // a promise nobody awaits hides its failure: await it, return it, or hand it to bestEffort / void on purpose
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      // empty catch blocks are how failures went silent; a comment saying why is the minimum
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser },
    },
    rules: {
      // formatting is not what this lint is for
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/attributes-order': 'off',
      // route views are named for the page they show (Requests, Login)
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    files: ['agent-ui/**/*.ts', 'customer-ui/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // plain JavaScript and the build tools' config files: no type information
    files: ['**/*.js', '**/*.mjs', '*.config.ts', 'agent-ui/*.config.ts', 'customer-ui/*.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
