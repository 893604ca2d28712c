// @ts-check
// Styles live inside the shadow root, so the host page's CSS cannot
// reach in and ours cannot leak out. `all: initial` on the host also stops
// inherited properties (font, colour, line-height) crossing the boundary.
// The host is as wide as the card (at most 640px; a partner's own CSS on the
// element wins), so no empty strip is left beside the card on a wide page.
export const css = `
:host { all: initial; display: block; contain: content; max-width: 640px; }
.w { box-sizing: border-box; font: 400 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #0b0c0c; background: #fff; border: 1px solid #b1b4b6; border-top: 6px solid var(--accent); padding: 16px; }
.w *, .w *::before, .w *::after { box-sizing: border-box; }
.w.compact { font-size: 15px; padding: 12px; }
h2, h3 { font-weight: 700; line-height: 1.2; margin: 0 0 12px; color: #0b0c0c; }
h2 { font-size: 1.5em; } h3 { font-size: 1.15em; margin-top: 20px; }
.compact h2 { font-size: 1.25em; }
p { margin: 0 0 12px; }
.steps { color: #484949; font-size: .9em; margin: 0 0 4px; }
.by { color: #484949; margin: 0 0 8px; }
.intro { margin-bottom: 12px; }
.intro a, a { color: #1747a6; }
.field { margin: 0 0 16px; }
.field.error { border-left: 4px solid #b10e1e; padding-left: 10px; }
label, legend { display: block; font-weight: 700; margin: 0 0 4px; padding: 0; }
.hint { color: #484949; font-size: .92em; margin: 0 0 6px; }
.msg { color: #b10e1e; font-weight: 700; margin: 0 0 6px; }
input[type=text], input[type=email], textarea, select {
  display: block; width: 100%; font: inherit; color: #0b0c0c; background: #fff; border: 2px solid #0b0c0c;
  border-radius: 0; padding: 6px 8px; min-height: 42px; margin: 0; }
.error input, .error textarea, .error select { border-color: #b10e1e; }
textarea { min-height: 14em; resize: vertical; line-height: 1.45; }
input.short { max-width: 10em; text-transform: uppercase; }
input:focus, textarea:focus, select:focus { outline: 3px solid #ffdd00; outline-offset: 0; box-shadow: inset 0 0 0 2px #0b0c0c; }
fieldset { border: 0; margin: 0 0 8px; padding: 0; min-width: 0; }
button { font: inherit; font-weight: 700; border: 2px solid transparent; border-radius: 0; cursor: pointer;
  padding: 9px 16px; min-height: 44px; margin: 0 8px 8px 0; background: var(--accent); color: var(--accent-text);
  box-shadow: 0 2px 0 rgba(0,0,0,.35); }
button.secondary { background: #f3f2f1; color: #0b0c0c; box-shadow: 0 2px 0 #929191; }
button.link { background: none; color: #1747a6; box-shadow: none; text-decoration: underline; padding: 0; min-height: 0; font-weight: 400; }
button:focus, a:focus, [tabindex]:focus { outline: 3px solid #ffdd00; outline-offset: 0; box-shadow: 0 0 0 5px #0b0c0c; }
h2:focus { box-shadow: none; }
button[aria-disabled=true] { opacity: .65; cursor: progress; }
.summary { border: 4px solid #b10e1e; padding: 12px; margin: 0 0 16px; }
.summary h3 { margin-top: 0; }
.summary ul { margin: 0; padding-left: 20px; }
.summary a { color: #b10e1e; font-weight: 700; }
.mp { border-left: 5px solid var(--accent); background: #f3f2f1; padding: 10px 12px; margin: 0 0 12px; }
.mp p { margin: 0; } .mp .name { font-size: 1.2em; font-weight: 700; }
.letter { border: 1px solid #b1b4b6; padding: 12px; margin: 0 0 16px; white-space: pre-wrap; overflow-wrap: anywhere; }
.meta { margin: 0 0 8px; } .meta b { display: inline-block; min-width: 5em; }
.radio { display: flex; gap: 8px; align-items: flex-start; margin: 0 0 8px; }
.radio input { width: 22px; height: 22px; margin: 2px 0 0; flex: none; }
.radio label { font-weight: 400; }
.who { list-style: none; margin: 0 0 8px; padding: 0; }
.who li { margin: 0 0 10px; }
.check { display: flex; gap: 8px; align-items: flex-start; margin: 0 0 16px; }
.check input { width: 22px; height: 22px; margin: 2px 0 0; flex: none; }
.check label { font-weight: 400; }
.panel { border-left: 5px solid #00703c; background: #f3f2f1; padding: 12px; }
.hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.foot { font-size: .85em; color: #484949; margin: 12px 0 0; }
`;

// White or black text, whichever is more readable on the accent colour.
/**
 * @param {string} hex "#rgb" or "#rrggbb"
 * @returns {string}
 */
export function textOn(hex) {
  let value = hex.replace("#", "");
  if (value.length === 3) value = value.split("").map((c) => c + c).join("");
  /** @param {number} i */
  const channel = (i) => {
    const c = parseInt(value.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  return (1.05 / (luminance + 0.05)) >= 4.5 ? "#ffffff" : "#0b0c0c";
}
