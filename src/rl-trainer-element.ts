/**
 * `<rl-trainer>`: the trainer in an iframe, configured by attributes, for teaching material.
 * Built on its own as `rl-trainer.js` (no imports, so it stays a few kilobytes):
 *
 * ```html
 * <script type="module" src="https://your-host/rl-trainer.js"></script>
 * <rl-trainer env="CartPole-v1" num-env-runners="1" fcnet-hiddens="32,32" stop-iters="20" autostart></rl-trainer>
 * <script>
 *   document.querySelector('rl-trainer').addEventListener('progress', (e) => console.log(e.detail.episodeReturnMean));
 * </script>
 * ```
 *
 * Every attribute becomes a key of the app's URL hash (dashes become underscores, a bare attribute
 * means 1), plus `embed=1`: any RLlib config name, `stop-reward` / `stop-timesteps` / `stop-iters`,
 * `preset`, `hide`, `autostart`. `src` is the app's URL (default: where this script came from),
 * `height` the frame's height in CSS pixels (default 560). The app's postMessage events come out
 * as DOM CustomEvents on the element, named by their type (`ready`, `progress`, `episode`, `done`,
 * `error`) with the message as `detail`. Methods: `train()`, `pause()`, `resume()`, `stop()`.
 */
const NOT_CONFIG = new Set([
  'src',
  'height',
  'width',
  'class',
  'style',
  'id',
  'title',
  'slot',
  'hidden',
  'tabindex',
  'lang',
  'dir',
]);
const EVENT_TYPES = new Set(['ready', 'progress', 'episode', 'done', 'error']);

/** The app's URL: this script sits next to index.html in the build (`/src/` only in `vite dev`). */
function defaultAppUrl(): string {
  return new URL(/\/src\/rl-trainer-element\.ts(\?.*)?$/.test(import.meta.url) ? '../' : './', import.meta.url).href;
}

export class RLTrainerElement extends HTMLElement {
  private readonly frame: HTMLIFrameElement;
  private readonly observer = new MutationObserver(() => this.update());
  private readonly onMessage = (event: MessageEvent<unknown>): void => {
    if (event.source !== this.frame.contentWindow) return;
    const data = event.data as { source?: unknown; type?: unknown } | null;
    if (data?.source !== 'browser-rl' || typeof data.type !== 'string' || !EVENT_TYPES.has(data.type)) return;
    this.dispatchEvent(new CustomEvent(data.type, { detail: data, bubbles: true, composed: true }));
  };

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent =
      ':host{display:block}iframe{display:block;width:100%;border:1px solid #d9dce2;border-radius:8px}';
    this.frame = document.createElement('iframe');
    this.frame.title = 'Reinforcement-learning trainer';
    // Lets the app be cross-origin isolated when the host page is; harmless when it is not.
    this.frame.allow = 'cross-origin-isolated';
    root.append(style, this.frame);
  }

  connectedCallback(): void {
    window.addEventListener('message', this.onMessage);
    this.observer.observe(this, { attributes: true });
    this.update();
  }

  disconnectedCallback(): void {
    window.removeEventListener('message', this.onMessage);
    this.observer.disconnect();
  }

  /** The hash the app is opened with: `k=v&...&embed=1`. */
  get hash(): string {
    const parts: string[] = [];
    for (const { name, value } of Array.from(this.attributes)) {
      if (NOT_CONFIG.has(name) || name.startsWith('data-') || name.startsWith('aria-')) continue;
      parts.push(
        `${name.replace(/-/g, '_')}=${encodeURIComponent(value === '' ? '1' : value)
          .replace(/%2C/gi, ',')
          .replace(/%3A/gi, ':')}`,
      );
    }
    if (!this.hasAttribute('embed')) parts.push('embed=1');
    return parts.join('&');
  }

  train(): void {
    this.command('train');
  }

  pause(): void {
    this.command('pause');
  }

  resume(): void {
    this.command('resume');
  }

  stop(): void {
    this.command('stop');
  }

  private get appUrl(): URL {
    return new URL(this.getAttribute('src') ?? defaultAppUrl(), document.baseURI);
  }

  private command(type: string): void {
    this.frame.contentWindow?.postMessage({ type }, this.appUrl.origin);
  }

  private update(): void {
    const url = this.appUrl;
    url.hash = this.hash;
    if (this.frame.src !== url.href) this.frame.src = url.href;
    this.frame.style.height = `${Number(this.getAttribute('height')) || 560}px`;
  }
}

if (!customElements.get('rl-trainer')) customElements.define('rl-trainer', RLTrainerElement);

declare global {
  interface HTMLElementTagNameMap {
    'rl-trainer': RLTrainerElement;
  }
}
