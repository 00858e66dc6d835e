// Types of the MSW handlers written by `aibridge-mock export`: do not edit.
import type { HttpHandler } from "msw";

/** A persona of the exported data set: log in as it with `Coder-Session-Token: <token>`. */
export interface Persona {
  readonly username: string;
  /** "owner", "auditor" or "member". */
  readonly role: string;
  readonly userId: string;
  readonly token: string;
}

export interface HandlerOptions {
  /** Origin the API is served from, such as "http://localhost:3000"; default: any origin ("*"). */
  readonly baseUrl?: string;
}

/** The path the API is served under, such as "/api/v2/aibridge" (the export's generation decides). */
export declare const prefix: string;

/** The personas of the exported data set and their session tokens. */
export declare const personas: readonly Persona[];

/** Handlers for the AI Bridge API under `options.baseUrl`. */
export declare function createHandlers(options?: HandlerOptions): HttpHandler[];

/** Handlers for the AI Bridge API on any origin. */
export declare const handlers: HttpHandler[];

export default handlers;
