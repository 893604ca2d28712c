// Build widget/src into dist/v1.js and dist/releases/v1.<hash>.js.
// `--check` builds in memory and fails if dist/v1.js differs (CI uses it via the tests).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";

const check = process.argv.includes("--check");
const result = await build({
  entryPoints: ["src/index.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  legalComments: "none",
  // tsconfig.json is for `npm run typecheck` only: without this esbuild would
  // read it too, and its `strict` would add "use strict" to the bundle.
  tsconfigRaw: {},
  write: false,
});
const code = Buffer.from(result.outputFiles[0].contents);
const version = createHash("sha256").update(code).digest("hex").slice(0, 12);
const gz = gzipSync(code, { level: 9 }).length;

if (check) {
  const current = existsSync("dist/v1.js") ? readFileSync("dist/v1.js") : Buffer.alloc(0);
  if (!current.equals(code)) {
    console.error("dist/v1.js is out of date: run `npm run build` in widget/ and commit it.");
    process.exit(1);
  }
  if (!existsSync(`dist/releases/v1.${version}.js`)) {
    console.error(`dist/releases/v1.${version}.js is missing: run \`npm run build\` and commit it.`);
    process.exit(1);
  }
  console.log(`up to date: v1.${version}.js, ${code.length} bytes, ${gz} gzipped`);
} else {
  mkdirSync("dist/releases", { recursive: true });
  writeFileSync("dist/v1.js", code);
  writeFileSync(`dist/releases/v1.${version}.js`, code);
  console.log(`built v1.${version}.js: ${code.length} bytes, ${gz} gzipped`);
}
