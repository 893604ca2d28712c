// Types only, for `npm run typecheck`; esbuild never reads this file.
// The one global the widget defines for the page (see index.js).
interface Window {
  WriteToYourMP: {
    mount(element: HTMLElement): void;
  };
}

// The site's translations of the widget's words, by language (widget/build.mjs).
declare module "virtual:catalogues" {
  export const catalogues: Record<string, Record<string, string>>;
}
