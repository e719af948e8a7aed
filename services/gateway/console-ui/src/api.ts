/**
 * The console's API client: every call goes to the gateway that served the page, signed with
 * the key kept in this tab's sessionStorage when the gateway checks signatures (ADR 0038).
 * Errors come back as ApiError with Lambda's name (X-Amzn-ErrorType) and message.
 */
import { signHeaders } from './sigv4.js';

export interface ConsoleConfig {
  readonly region: string;
  readonly signed: boolean;
}

export interface Key {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const KEY = 'lamina.console.key';

export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export class Api {
  constructor(readonly config: ConsoleConfig) {}

  get key(): Key | undefined {
    const raw = sessionStorage.getItem(KEY);
    return raw === null ? undefined : (JSON.parse(raw) as Key);
  }

  set key(k: Key | undefined) {
    if (k === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, JSON.stringify(k));
  }

  /** Whether calls can be made (an open gateway, or a key typed in). */
  get ready(): boolean {
    return !this.config.signed || this.key !== undefined;
  }

  async raw(
    method: string,
    url: string,
    o: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const body = o.body ?? '';
    const headers: Record<string, string> = { ...o.headers };
    if (body !== '') headers['content-type'] ??= 'application/json';
    const key = this.key;
    if (key !== undefined) {
      Object.assign(
        headers,
        signHeaders({
          method,
          url,
          host: location.host,
          body,
          accessKeyId: key.accessKeyId,
          secretAccessKey: key.secretAccessKey,
          region: this.config.region,
          service: url.startsWith('/schedule') ? 'scheduler' : 'lambda',
          now: Date.now(),
        }),
      );
    }
    const res = await fetch(url, {
      method,
      headers,
      ...(body === '' ? {} : { body }),
      cache: 'no-store',
    });
    const text = await res.text();
    if (res.status >= 400) {
      let message = text;
      try {
        const j = JSON.parse(text) as { Message?: string; message?: string };
        message = j.Message ?? j.message ?? text;
      } catch {
        // plain text
      }
      throw new ApiError(
        res.headers.get('x-amzn-errortype') ?? `HTTP ${res.status}`,
        message,
        res.status,
      );
    }
    return { status: res.status, headers: res.headers, text };
  }

  async json<T>(url: string): Promise<T> {
    const r = await this.raw('GET', url);
    return JSON.parse(r.text) as T;
  }
}

export const enc = encodeURIComponent;
