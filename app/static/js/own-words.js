// Built from widget/src/ownwords.js by widget/build.mjs: do not edit.
var ownWords = (() => {
  var __defProp = Object.defineProperty;
  var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
  var __getOwnPropNames = Object.getOwnPropertyNames;
  var __hasOwnProp = Object.prototype.hasOwnProperty;
  var __export = (target, all) => {
    for (var name in all)
      __defProp(target, name, { get: all[name], enumerable: true });
  };
  var __copyProps = (to, from, except, desc) => {
    if (from && typeof from === "object" || typeof from === "function") {
      for (let key of __getOwnPropNames(from))
        if (!__hasOwnProp.call(to, key) && key !== except)
          __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
    }
    return to;
  };
  var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

  // src/ownwords.js
  var ownwords_exports = {};
  __export(ownwords_exports, {
    ownPercent: () => ownPercent
  });
  var WORD = /[a-z0-9]+(?:'[a-z]+)?/g;
  function words(text, names) {
    let lower = text.toLowerCase();
    names.filter(Boolean).forEach((name, i) => {
      lower = lower.split(name.toLowerCase()).join(` name${i} `);
    });
    return lower.replace(/\u2019/g, "'").match(WORD) || [];
  }
  function ownPercent(body, template, names) {
    const runs = /* @__PURE__ */ new Set();
    const t = words(template, names);
    for (let i = 0; i + 4 <= t.length; i++) runs.add(t.slice(i, i + 4).join(" "));
    const tokens = words(body, names);
    if (!tokens.length) return 0;
    if (tokens.length < 4) return 100;
    const covered = tokens.map(() => false);
    for (let j = 0; j + 4 <= tokens.length; j++) {
      if (runs.has(tokens.slice(j, j + 4).join(" "))) covered.fill(true, j, j + 4);
    }
    const own = covered.filter((c) => !c).length;
    return Math.floor(100 * own / tokens.length + 0.5);
  }
  return __toCommonJS(ownwords_exports);
})();
