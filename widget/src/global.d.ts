// Types only, for `npm run typecheck`; esbuild never reads this file.
// The one global the widget defines for the page (see index.js).
interface Window {
  WriteToYourMP: {
    mount(element: HTMLElement): void;
  };
}
