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
    },
  },
  // Plain JavaScript (configs, build scripts) is in no tsconfig: no type information for it.
  { files: ["**/*.js", "**/*.mjs"], extends: [tseslint.configs.disableTypeChecked] },
);
