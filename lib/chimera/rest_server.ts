/**
 * Chimera 1's RESTServer protocol over HTTP: `GET|POST /run?command=…` runs the commands one
 * request at a time (FIFO) and answers 200 text/plain with the reply lines (the error line last);
 * other paths answer `Bad path: "<path>"`. Extensions: a required token (401 without it),
 * headers `X-Chimera-Status: ok|error` and `X-Chimera-Error`, and `json=1` for ChimeraX's JSON
 * reply shape.
 *
 * @module
 */
import type { ChimeraInterpreter, RunOutcome } from "./interpreter.ts";

/** Options of {@linkcode createRestHandler}. */
export interface RestHandlerOptions {
  /** The interpreter that runs commands. */
  interpreter: ChimeraInterpreter;
  /** When set, every request must carry it (`token=` parameter or `Authorization: Bearer`). */
  token?: string;
}

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

/** The request's parameters: query values, then form-body values appended (as Chimera 1). */
async function parameters(request: Request, url: URL): Promise<URLSearchParams> {
  const params = new URLSearchParams(url.search);
  if (request.method !== "POST") return params;
  const type = request.headers.get("content-type") ?? "";
  try {
    if (type.startsWith("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(await request.text())) params.append(k, v);
    } else if (type.startsWith("multipart/form-data")) {
      for (const [k, v] of await request.formData()) {
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

/**
 * The HTTP handler: token check, `/run` with a FIFO lock so requests run one at a time, and
 * Chimera 1's other replies. A client that disconnects does not stop its batch.
 * Needs what the interpreter's file access needs.
 */
export function createRestHandler(
  options: RestHandlerOptions,
): (request: Request) => Promise<Response> {
  let queue: Promise<unknown> = Promise.resolve();
  const runLocked = (values: string[]): Promise<RunOutcome> => {
    const run = queue.then(() => options.interpreter.run(values));
    queue = run.catch(() => {});
    return run;
  };
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (request.method !== "GET" && request.method !== "POST") {
      return new Response(`Unsupported method ('${headerValue(request.method)}')\n`, {
        status: 501,
        headers: { "content-type": TEXT },
      });
    }
    const params = await parameters(request, url);
    if (options.token !== undefined) {
      const auth = request.headers.get("authorization") ?? "";
      const bearer = auth.startsWith("Bearer ") ? auth.slice(7).trim() : undefined;
      const given = params.get("token") ?? bearer;
      if (given === undefined || !sameToken(given, options.token)) {
        return new Response("Unauthorized: a valid token is required\n", {
          status: 401,
          headers: { "content-type": TEXT },
        });
      }
    }
    if (url.pathname === "/run") {
      const values = params.getAll("command").filter((v) => v !== "");
      const json = ["1", "true"].includes((params.get("json") ?? "").toLowerCase());
      if (values.length === 0) {
        return new Response("command missing\n", {
          headers: {
            "content-type": TEXT,
            "x-chimera-status": "error",
            "x-chimera-error": "command missing",
          },
        });
      }
      const outcome = await runLocked(values);
      const headers: Record<string, string> = {
        "content-type": json ? "application/json" : TEXT,
        "x-chimera-status": outcome.error === undefined ? "ok" : "error",
      };
      if (outcome.error !== undefined) headers["x-chimera-error"] = headerValue(outcome.error);
      return new Response(json ? replyJson(outcome) : replyText(outcome), { headers });
    }
    if (url.pathname === "/favicon.ico" || url.pathname.startsWith("/static/")) {
      return new Response("Not found\n", { status: 404, headers: { "content-type": TEXT } });
    }
    return new Response(`Bad path: "${url.pathname}"\n`, { headers: { "content-type": TEXT } });
  };
}
