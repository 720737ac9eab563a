/**
 * Chimera 1's RESTServer protocol over HTTP: `GET|POST /run?command=…` runs the commands one
 * request at a time (FIFO) and answers 200 text/plain with the reply lines (the error line last);
 * other paths answer `Bad path: "<path>"`. Extensions: a required token (401 without it), checked
 * before the body is read; loopback `Host` and same-origin `Origin` only (403); capped body,
 * command count and command length (413); headers `X-Chimera-Status: ok|error` and `X-Chimera-Error`, and `json=1` for ChimeraX's JSON
 * reply shape.
 *
 * @module
 */
import { splitCommands } from "./command_syntax.ts";
import type { RunOutcome } from "./interpreter.ts";
import type { CommandRunner } from "./interpreter_worker.ts";

/** Options of {@linkcode createRestHandler}. */
export interface RestHandlerOptions {
  /** What runs commands: the interpreter, here or in a worker. */
  interpreter: CommandRunner;
  /** Every request must carry it, in the query (`token=`) or `Authorization: Bearer`. */
  token: string;
  /** The port the server listens on: the `Host` header must name it on a loopback name. */
  port: number;
  /** Largest request body read, in bytes (default {@linkcode MAX_BODY_BYTES}). */
  maxBodyBytes?: number;
  /** Most commands per request, `;`-separated ones counted (default {@linkcode MAX_COMMANDS}). */
  maxCommands?: number;
  /** Longest single command, in characters (default {@linkcode MAX_COMMAND_CHARS}). */
  maxCommandChars?: number;
  /** When aborted, requests not yet running are refused and a batch stops between commands. */
  signal?: AbortSignal;
}

/** Default cap on a request body (a form POST of commands): 1 MiB. */
export const MAX_BODY_BYTES = 1 << 20;
/** Default cap on the commands of one request. */
export const MAX_COMMANDS = 64;
/** Default cap on one command's length (a path and a handful of options fit many times). */
export const MAX_COMMAND_CHARS = 8192;

const TEXT = "text/plain; charset=utf-8";

/** Constant-time string equality. */
function sameToken(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** A header-safe one-line version of `text` (printable ASCII, at most 1000 characters). */
function headerValue(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 1000);
}

function refuse(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { "content-type": TEXT } });
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/**
 * Why a request's `Host` or `Origin` is refused (undefined when both are fine): the `Host` must be
 * a loopback name with our port (DNS rebinding: a web page's name resolving to 127.0.0.1), and
 * an `Origin`, when a browser sends one, must be that same loopback origin. Needs no permissions.
 */
export function foreignRequest(headers: Headers, port: number): string | undefined {
  const host = (headers.get("host") ?? "").toLowerCase();
  const allowed = LOOPBACK_NAMES.map((name) => `${name}:${port}`);
  if (!allowed.includes(host)) return `Host "${headerValue(host)}" is not this loopback server`;
  const origin = headers.get("origin");
  if (origin !== null && !allowed.map((h) => `http://${h}`).includes(origin.toLowerCase())) {
    return `Origin "${headerValue(origin)}" is not this server`;
  }
  return undefined;
}

/** The token a request carries in its query or `Authorization: Bearer` header (never its body). */
function givenToken(request: Request, url: URL): string | undefined {
  const auth = request.headers.get("authorization") ?? "";
  const bearer = auth.startsWith("Bearer ") ? auth.slice(7).trim() : undefined;
  return url.searchParams.get("token") ?? bearer;
}

/** Thrown when a body is longer than allowed. */
class BodyTooLarge extends Error {}

/** The body's bytes, reading at most `limit` (throws BodyTooLarge past it). */
async function readLimited(
  request: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new BodyTooLarge();
  if (request.body === null) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let length = 0;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      length += value.length;
      if (length > limit) throw new BodyTooLarge();
      parts.push(value);
    }
  } finally {
    if (length > limit) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The request's parameters: query values, then the values of a form body (urlencoded or
 * multipart) appended, as Chimera 1 does; the body is read only up to `limit` bytes.
 */
async function parameters(request: Request, url: URL, limit: number): Promise<URLSearchParams> {
  const params = new URLSearchParams(url.search);
  if (request.method !== "POST") return params;
  const type = request.headers.get("content-type") ?? "";
  const body = await readLimited(request, limit);
  try {
    if (type.startsWith("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(new TextDecoder().decode(body))) params.append(k, v);
    } else if (type.startsWith("multipart/form-data")) {
      const form = await new Response(body, { headers: { "content-type": type } }).formData();
      for (const [k, v] of form) {
        if (typeof v === "string") params.append(k, v);
      }
    }
  } catch {
    // An unreadable body adds nothing, as Chimera's cgi parsing would.
  }
  return params;
}

/** The reply body of a run, as Chimera 1 writes it (one line per message). Needs no permissions. */
export function replyText(outcome: RunOutcome): string {
  return outcome.lines.map((line) => line.endsWith("\n") ? line : `${line}\n`).join("");
}

/** The ChimeraX JSON reply shape of a run. Needs no permissions. */
export function replyJson(outcome: RunOutcome): string {
  const failed = outcome.error !== undefined;
  const last = outcome.commands[outcome.commands.length - 1];
  return JSON.stringify({
    "json values": failed ? [] : outcome.commands.map(() => null),
    "python values": failed ? [] : outcome.commands.map(() => null),
    "log messages": {
      note: outcome.commands.flatMap((c) => c.info),
      warning: outcome.commands.flatMap((c) => c.warnings),
      error: failed ? [outcome.error] : [],
      bug: [],
    },
    "error": failed ? { type: last?.errorType ?? "UserError", message: outcome.error } : null,
  });
}

/** Runs `commands` one by one, stopping at the first error or when `signal` aborts. */
async function runCommands(
  interpreter: CommandRunner,
  commands: readonly string[],
  signal: AbortSignal | undefined,
): Promise<RunOutcome | undefined> {
  const result: RunOutcome = { commands: [], lines: [] };
  for (const command of commands) {
    // let signals and other requests through between two commands: the commands themselves
    // compute synchronously, so awaiting them alone never yields to the event loop
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (signal?.aborted) return undefined;
    const outcome = await interpreter.run([command]);
    if (signal?.aborted) return undefined; // stopped mid-command: no partial reply
    result.commands.push(...outcome.commands);
    result.lines.push(...outcome.lines);
    if (outcome.error !== undefined) {
      result.error = outcome.error;
      return result;
    }
  }
  return result;
}

/** The reply to a request refused because the server is stopping. */
function stopping(): Response {
  return refuse(503, "Service unavailable: the server is stopping");
}

/** The caps of a request, from the handler's options or the defaults. */
interface RequestLimits {
  /** Largest body read, in bytes. */
  maxBody: number;
  /** Most commands per request. */
  maxCommands: number;
  /** Longest single command, in characters. */
  maxChars: number;
}

/** The caps of `options`, each its option's value or the default. */
function requestLimits(options: RestHandlerOptions): RequestLimits {
  return {
    maxBody: options.maxBodyBytes ?? MAX_BODY_BYTES,
    maxCommands: options.maxCommands ?? MAX_COMMANDS,
    maxChars: options.maxCommandChars ?? MAX_COMMAND_CHARS,
  };
}

/** Runs batches of commands one at a time, in the order they arrive (FIFO). */
type BatchRunner = (commands: string[]) => Promise<RunOutcome | undefined>;

/** A {@linkcode BatchRunner} of `interpreter`: a batch starts when the one before it ends. */
function serialRunner(interpreter: CommandRunner, signal: AbortSignal | undefined): BatchRunner {
  let queue: Promise<unknown> = Promise.resolve();
  return (commands: string[]): Promise<RunOutcome | undefined> => {
    const run = queue.then(() => runCommands(interpreter, commands, signal));
    queue = run.catch(() => {});
    return run;
  };
}

/**
 * The refusal of a request before its body is read (undefined when it may go on), in order: the
 * method (501), the `Host` and `Origin` (403), the token (401), a stopping server (503).
 */
function refusalBeforeBody(
  request: Request,
  url: URL,
  options: RestHandlerOptions,
): Response | undefined {
  if (request.method !== "GET" && request.method !== "POST") {
    return refuse(501, `Unsupported method ('${headerValue(request.method)}')`);
  }
  const foreign = foreignRequest(request.headers, options.port);
  if (foreign !== undefined) return refuse(403, `Forbidden: ${foreign}`);
  const given = givenToken(request, url);
  if (given === undefined || !sameToken(given, options.token)) {
    return refuse(401, "Unauthorized: a valid token is required");
  }
  if (options.signal?.aborted) return stopping();
  return undefined;
}

/** The request's parameters, or the 413 reply when its body is over `maxBody` bytes. */
async function requestParameters(
  request: Request,
  url: URL,
  maxBody: number,
): Promise<URLSearchParams | Response> {
  try {
    return await parameters(request, url, maxBody);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      return refuse(413, `Request too large: the body is over ${maxBody} bytes`);
    }
    throw error;
  }
}

/** The commands of a `/run` request: its non-empty `command` values, split at `;`. */
function requestCommands(params: URLSearchParams): string[] {
  return params.getAll("command").filter((v) => v !== "").flatMap(splitCommands);
}

/** Whether a `/run` request asks for ChimeraX's JSON reply (`json=1` or `json=true`). */
function wantsJson(params: URLSearchParams): boolean {
  return ["1", "true"].includes((params.get("json") ?? "").toLowerCase());
}

/**
 * The refusal of a `/run` request's commands (undefined when they may run): none given (200 with
 * the error headers), too many or one too long (413).
 */
function refusalOfCommands(commands: string[], limits: RequestLimits): Response | undefined {
  if (commands.length === 0) {
    return new Response("command missing\n", {
      headers: {
        "content-type": TEXT,
        "x-chimera-status": "error",
        "x-chimera-error": "command missing",
      },
    });
  }
  if (commands.length > limits.maxCommands) {
    return refuse(
      413,
      `Request too large: ${commands.length} commands, at most ${limits.maxCommands}`,
    );
  }
  const long = commands.find((command) => command.length > limits.maxChars);
  if (long !== undefined) {
    return refuse(
      413,
      `Request too large: a command of ${long.length} characters, at most ${limits.maxChars}`,
    );
  }
  return undefined;
}

/** The reply to a finished run: its text or JSON, with the `X-Chimera-Status|Error` headers. */
function runReply(outcome: RunOutcome, json: boolean): Response {
  const headers: Record<string, string> = {
    "content-type": json ? "application/json" : TEXT,
    "x-chimera-status": outcome.error === undefined ? "ok" : "error",
  };
  if (outcome.error !== undefined) headers["x-chimera-error"] = headerValue(outcome.error);
  return new Response(json ? replyJson(outcome) : replyText(outcome), { headers });
}

/** Answers a `/run` request: checks its commands, runs them in turn and replies. */
async function runRequest(
  params: URLSearchParams,
  limits: RequestLimits,
  runBatch: BatchRunner,
): Promise<Response> {
  const commands = requestCommands(params);
  const json = wantsJson(params);
  const refusal = refusalOfCommands(commands, limits);
  if (refusal !== undefined) return refusal;
  const outcome = await runBatch(commands);
  if (outcome === undefined) return stopping();
  return runReply(outcome, json);
}

/** Chimera 1's reply to paths other than `/run`: 404 for icons and `/static/`, else "Bad path". */
function otherPathReply(pathname: string): Response {
  if (pathname === "/favicon.ico" || pathname.startsWith("/static/")) {
    return refuse(404, "Not found");
  }
  return new Response(`Bad path: "${pathname}"\n`, { headers: { "content-type": TEXT } });
}

/**
 * The HTTP handler. In order, before anything else is read: the method, the `Host` and `Origin`
 * (loopback only), the token (query or bearer header; 401); then the body, read only up to its
 * cap (413), and the command count and lengths (413). `/run` requests run one at a time (FIFO);
 * other paths get Chimera 1's replies. A client that disconnects does not stop its batch; an
 * aborted `signal` does, between two commands (503). Needs what the interpreter's file access
 * needs.
 */
export function createRestHandler(
  options: RestHandlerOptions,
): (request: Request) => Promise<Response> {
  const limits = requestLimits(options);
  const runBatch = serialRunner(options.interpreter, options.signal);
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const refusal = refusalBeforeBody(request, url, options);
    if (refusal !== undefined) return refusal;
    const params = await requestParameters(request, url, limits.maxBody);
    if (params instanceof Response) return params;
    if (url.pathname === "/run") return await runRequest(params, limits, runBatch);
    return otherPathReply(url.pathname);
  };
}
