// ESLint flat config: the recommended rules plus typescript-eslint's type-checked ones over
// every hand-written source (src, test, steps, bench, scripts, examples); generated code and
// build or test output are not linted.
import eslint from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["src/gen/**", "examples/gen/**", "dist/**", "coverage/**", "reports/**", ".tmp/**"] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        // node:test runs the promises describe/it/test return itself; awaiting them is not the idiom.
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["describe", "it", "test", "suite"] }] },
      ],
      // Storage backends and handlers implement Promise-returning interfaces over synchronous
      // code; `async` turns their throws into rejections, which is the point.
      "@typescript-eslint/require-await": "off",
      // ts-proto codecs and grpc-js clients are object literals of methods that never use
      // `this`; the tests' call(client, client.method) helpers bind the client themselves.
      "@typescript-eslint/unbound-method": "off",
      // A leading underscore marks a binding kept on purpose (for await (const _ of s), rest siblings).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Passing a caught error on unchanged (Promise.reject(err) in a catch) is fine.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      // Protobuf and gRPC enums arrive as plain numbers on the wire; comparing those numbers with
      // the enum members (and masking trace flags) is the point.
      "@typescript-eslint/no-unsafe-enum-comparison": "off",
    },
  },
  // Plain JavaScript (configs, build scripts) is in no tsconfig: no type information for it.
  { files: ["**/*.js", "**/*.mjs"], extends: [tseslint.configs.disableTypeChecked] },
);
