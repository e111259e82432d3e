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
 * `preset`, `hide`, `autostart`. `src` is the app's URL (default: where this script came from);
 * only http(s) URLs are loaded (relative ones against the document): anything else, `javascript:`
 * above all, would run in this page, so it is refused with a console error and an `error` event.
 * `allow-origin` (default: this page's origin) is the only origin the app takes commands from and
 * posts its events to. `height` is the frame's height in CSS pixels (default 560). The app's postMessage events come out
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

/** This page's origin when it is an http(s) one (a file:// page's origin is opaque: 'null'). */
function ownOrigin(): string | null {
  return /^https?:$/.test(location.protocol) ? location.origin : null;
}

export class RLTrainerElement extends HTMLElement {
  private readonly frame: HTMLIFrameElement;
  /** The last refused `src`, so one bad value is reported once, not on every attribute change. */
  private refusedSrc: string | null = null;
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
    const origin = ownOrigin();
    if (!this.hasAttribute('allow-origin') && origin) parts.push(`allow_origin=${origin}`);
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

  /** The app's URL, or null when `src` is not an http(s) URL. */
  private get appUrl(): URL | null {
    const src = this.getAttribute('src');
    if (src === null) return new URL(defaultAppUrl(), document.baseURI);
    let url: URL;
    try {
      url = new URL(src, document.baseURI);
    } catch {
      return null;
    }
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  }

  private command(type: string): void {
    const url = this.appUrl;
    if (url) this.frame.contentWindow?.postMessage({ type }, url.origin);
  }

  private update(): void {
    this.frame.style.height = `${Number(this.getAttribute('height')) || 560}px`;
    const url = this.appUrl;
    if (!url) {
      this.refuseSrc(this.getAttribute('src') ?? '');
      return;
    }
    this.refusedSrc = null;
    url.hash = this.hash;
    if (this.frame.src !== url.href) this.frame.src = url.href;
  }

  private refuseSrc(src: string): void {
    if (this.frame.hasAttribute('src')) this.frame.removeAttribute('src');
    if (this.refusedSrc === src) return;
    this.refusedSrc = src;
    const message = `<rl-trainer>: src must be an http(s) URL, got '${src}'; the trainer is not loaded.`;
    console.error(message);
    const detail = { source: 'browser-rl', type: 'error', message };
    this.dispatchEvent(new CustomEvent('error', { detail, bubbles: true, composed: true }));
  }
}

if (!customElements.get('rl-trainer')) customElements.define('rl-trainer', RLTrainerElement);

declare global {
  interface HTMLElementTagNameMap {
    'rl-trainer': RLTrainerElement;
  }
}
