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
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // the product's code (tests and benchmarks clean up with deliberate empty catches)
    files: ['server/**/*.ts', 'workers/**/*.ts', 'agent-ui/src/**/*.{ts,vue}', 'customer-ui/**/*.{ts,vue}', 'ui-shared/**/*.ts', 'scripts/**/*.{mjs,ts}'],
    rules: {
      // No silent catch: a failure is handled (a value, a state the user sees), logged (bestEffort /
      // logErrors on the server, logFailure in the browser) or rethrown — a comment alone is not enough.
      // tests/unit/no-silent-catch.test.ts checks the same without ESLint.
      'no-restricted-syntax': [
        'error',
        { selector: 'CatchClause > BlockStatement.body[body.length=0]', message: 'a catch must handle, log or rethrow the failure (a comment alone leaves it silent)' },
        {
          selector: "CallExpression[callee.property.name='catch'] > :function.arguments[body.type='BlockStatement'][body.body.length=0]",
          message: '.catch(() => {}) swallows the failure: use bestEffort()/logFailure() or handle it',
        },
        {
          selector: "CallExpression[callee.property.name='on'][arguments.0.value='error'] > :function.arguments[body.type='BlockStatement'][body.body.length=0]",
          message: "an empty 'error' listener hides outages: use logErrors() (server/src/lib/best-effort.ts)",
        },
      ],
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
    files: ['agent-ui/**/*.ts', 'customer-ui/**/*.ts', 'ui-shared/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // plain JavaScript and the build tools' config files: no type information
    files: ['**/*.js', '**/*.mjs', '*.config.ts', 'agent-ui/*.config.ts', 'customer-ui/*.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
