// @ts-check
// Entry point: mount a widget on every <div data-campaign data-partner>.
import { mount } from "./widget.js";

const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
const base = script && script.src ? new URL(script.src).origin : "";

function mountAll() {
  /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-campaign][data-partner]"))
    .forEach((el) => mount(el, base));
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", mountAll);
} else {
  mountAll();
}

// For pages that add the element later: WriteToYourMP.mount(element) (typed in global.d.ts).
window.WriteToYourMP = { mount: (el) => mount(el, base) };
