// Build widget/src into dist/v1.js and dist/releases/v1.<hash>.js.
// `--check` builds in memory and fails if dist/v1.js differs (CI uses it via the tests).
// `--translations DIR[;DIR]` adds catalogue folders, as the site's
// BABEL_TRANSLATION_DIRECTORIES does, and `--out DIR` writes there instead
// of dist/: a new language's test builds with both.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";

/** The value after `name` on the command line, if given. */
function option(name) {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

// The site's gettext catalogues (app/translations, and any folder added),
// trimmed to the widget's own words (each `_("...")` in src/i18n.js): one
// translation for both, and a language is in the widget when its catalogue is.
const FOLDERS = ["../app/translations", ...(option("--translations") || "").split(";").filter(Boolean)];
const OUT = option("--out") || "dist";

/** Each msgid -> msgstr of a .po file (single forms, translated, not fuzzy). */
function readPo(text) {
  const entries = {};
  const unquote = (lines) => lines.map((line) => JSON.parse(line.trim())).join("");
  for (const block of text.split(/\n\s*\n/)) {
    if (/^#,.*fuzzy/m.test(block) || /^msgid_plural/m.test(block)) continue;
    const id = block.match(/^msgid ((?:".*"\n?)+)/m);
    const str = block.match(/^msgstr ((?:".*"\n?)+)/m);
    if (!id || !str) continue;
    const msgid = unquote(id[1].trim().split("\n"));
    const msgstr = unquote(str[1].trim().split("\n"));
    if (msgid && msgstr) entries[msgid] = msgstr;
  }
  return entries;
}

function widgetCatalogues() {
  const source = readFileSync("src/i18n.js", "utf8");
  const words = new Set([...source.matchAll(/_\(("(?:[^"\\]|\\.)*")\)/g)].map((m) => JSON.parse(m[1])));
  const catalogues = {};
  for (const folder of FOLDERS) {
    for (const lang of readdirSync(folder, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const po = `${folder}/${lang.name}/LC_MESSAGES/messages.po`;
      if (!existsSync(po)) continue;
      const all = readPo(readFileSync(po, "utf8"));
      catalogues[lang.name] = Object.fromEntries(Object.entries(all).filter(([id]) => words.has(id)));
    }
  }
  return catalogues;
}

const catalogues = {
  name: "catalogues",
  setup(b) {
    b.onResolve({ filter: /^virtual:catalogues$/ }, () => ({ path: "catalogues", namespace: "catalogues" }));
    b.onLoad({ filter: /.*/, namespace: "catalogues" }, () => ({
      contents: `export const catalogues = ${JSON.stringify(widgetCatalogues())};`,
      loader: "js",
    }));
  },
};

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
  plugins: [catalogues],
  write: false,
});
const code = Buffer.from(result.outputFiles[0].contents);

// The site's own pages measure a letter's own words with the same module
// (src/ownwords.js), built as a plain script that sets window.ownWords:
// one source for the widget and app/static/js/site.js.
const OWN_WORDS = "../app/static/js/own-words.js";
const ownWords = await build({
  entryPoints: ["src/ownwords.js"],
  bundle: true,
  format: "iife",
  globalName: "ownWords",
  target: ["es2019"],
  legalComments: "none",
  tsconfigRaw: {},
  banner: { js: "// Built from widget/src/ownwords.js by widget/build.mjs: do not edit." },
  write: false,
});
const ownWordsCode = Buffer.from(ownWords.outputFiles[0].contents);
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
  const site = existsSync(OWN_WORDS) ? readFileSync(OWN_WORDS) : Buffer.alloc(0);
  if (!site.equals(ownWordsCode)) {
    console.error("app/static/js/own-words.js is out of date: run `npm run build` in widget/ and commit it.");
    process.exit(1);
  }
  console.log(`up to date: v1.${version}.js, ${code.length} bytes, ${gz} gzipped`);
} else {
  mkdirSync(`${OUT}/releases`, { recursive: true });
  writeFileSync(`${OUT}/v1.js`, code);
  writeFileSync(`${OUT}/releases/v1.${version}.js`, code);
  if (OUT === "dist") writeFileSync(OWN_WORDS, ownWordsCode);
  console.log(`built v1.${version}.js: ${code.length} bytes, ${gz} gzipped`);
}
