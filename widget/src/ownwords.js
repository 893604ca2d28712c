// @ts-check
// How much of a letter is in the writer's own words: the rules of the site's
// app/letters/own_words.py (four-word runs shared with the suggested letter
// are the campaign's words), so the figure shown is the one the API checks.

const WORD = /[a-z0-9]+(?:'[a-z]+)?/g;

/**
 * @param {string} text
 * @param {string[]} names replaced by placeholders, as the site does
 * @returns {string[]}
 */
function words(text, names) {
  let lower = text.toLowerCase();
  names.filter(Boolean).forEach((name, i) => {
    lower = lower.split(name.toLowerCase()).join(` name${i} `);
  });
  return lower.replace(/\u2019/g, "'").match(WORD) || [];
}

/**
 * The whole percentage of `body` in the writer's own words.
 * @param {string} body
 * @param {string} template the campaign's suggested letter, filled in
 * @param {string[]} names the MP's name, the constituency, the writer's name
 * @returns {number}
 */
export function ownPercent(body, template, names) {
  const runs = new Set();
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
  return Math.floor((100 * own) / tokens.length + 0.5);
}
