/** What a console page is: rendered into `main`, it may leave polling running until `stop`. */
import type { Api } from './api.js';

export interface Page {
  stop(): void;
}

export type Render = (api: Api, main: HTMLElement, arg: string) => Promise<Page>;
