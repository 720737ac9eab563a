import { assert, assertEquals, assertStringIncludes } from "../testing/mod.ts";
import { engineCommand, logSaysComplete, runEngine } from "./engine_runner.ts";

async function script(dir: string, body: string): Promise<string> {
  const path = `${dir}/engine.sh`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test("engine runner: success needs exit 0 AND a log saying the simulation completed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = `${dir}/sim.log`;
    const input = `${dir}/sim.txt`;
    await Deno.writeTextFile(input, "");
    let engine = engineCommand(
      await script(dir, `printf '# x\\n# Simulation complete.\\n' > ${log}`),
    );
    assertEquals(engine.embedded, false);
    assert((await runEngine(engine, input, log)).ok);
    // TEM-Simulator exits 0 when it fails: the log decides.
    engine = engineCommand(
      await script(dir, `echo 'Error reading particle map' ; echo '# Input data' > ${log}`),
    );
    let result = await runEngine(engine, input, log);
    assert(!result.ok);
    assertStringIncludes(result.reason ?? "", 'does not say "Simulation complete."');
    assertStringIncludes(result.reason ?? "", "Error reading particle map");
    engine = engineCommand(await script(dir, "echo 'bad input' >&2; exit 2"));
    result = await runEngine(engine, input, `${dir}/none.log`);
    assertEquals(result.code, 2);
    assertStringIncludes(result.reason ?? "", "exited with code 2: bad input");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Live (non-zombie) processes of process group `group`, from /proc. */
function groupMembers(group: number): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const fields = Deno.readTextFileSync(`/proc/${entry.name}/stat`).split(") ")[1]?.split(" ");
      // fields: state, ppid, pgrp, …; a zombie waiting to be reaped is not running
      if (fields?.[2] === String(group) && fields[0] !== "Z") {
        found.push(`${entry.name} ${fields.slice(0, 4).join(" ")}`);
      }
    } catch {
      // gone
    }
  }
  return found;
}

/**
 * The live members of process group `group` once those signalled have exited (polled, with a hang
 * guard far beyond any scheduling delay: 30 s).
 */
async function groupLeftAfterSignal(group: number): Promise<string[]> {
  let left = groupMembers(group);
  for (let i = 0; left.length > 0 && i < 3000; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    left = groupMembers(group);
  }
  return left;
}

Deno.test("engine runner: abort stops the engine's process group", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Never ends by itself within the test (10 min): only the abort can end it.
    const engine = engineCommand(
      await script(dir, `sleep 600 & sleep 600 & echo started > ${dir}/ready; wait`),
    );
    const controller = new AbortController();
    let pid = 0;
    const running = runEngine(engine, `${dir}/sim.txt`, `${dir}/sim.log`, {
      signal: controller.signal,
      onStart: (p) => pid = p,
    });
    // the event: the group's background processes are started
    let ended = false;
    running.finally(() => ended = true);
    while (!(await Deno.stat(`${dir}/ready`).then(() => true, () => false))) {
      assert(!ended, "the engine ended before it was aborted");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    controller.abort();
    const result = await running;
    assert(result.aborted && !result.ok);
    assertEquals(result.code, null, "ended by a signal, not by itself");
    // The background sleeps of the group are gone too.
    assertEquals(await groupLeftAfterSignal(pid), [], "no process of the engine's group is left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("engine runner: a failing progress callback stops the engine's process group", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Prints a line, then never ends by itself within the test (10 min).
    const engine = engineCommand(
      await script(dir, `sleep 600 & echo '# Tilt 1 of 3' ; wait`),
    );
    let pid = 0;
    const failure = await runEngine(engine, `${dir}/sim.txt`, `${dir}/sim.log`, {
      onStart: (p) => pid = p,
      onStdoutLine: () => {
        throw new Error("progress failed");
      },
    }).then(() => undefined, (error: Error) => error);
    assertEquals(failure?.message, "progress failed");
    assertEquals(await groupLeftAfterSignal(pid), [], "no process of the engine's group is left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("engine runner: log completion check", () => {
  assert(logSaysComplete("# Computing\n# \n# Simulation complete.\n"));
  assert(!logSaysComplete("# Simulation complete soon\n"));
});

Deno.test("engine runner: the engine runs in the input's folder, given its name; loader path handled", async () => {
  const dir = await Deno.makeTempDir();
  const saved = Deno.env.get("LD_LIBRARY_PATH");
  try {
    const log = `${dir}/sim.log`;
    const input = `${dir}/sim.txt`;
    await Deno.writeTextFile(input, "");
    const body = 'printf \'%s %s [%s] [%s]\\n\' "$1" "$(pwd)" "$LD_LIBRARY_PATH" ' +
      '"$ETS_SAVED_LD_LIBRARY_PATH" > seen.txt; echo "# Simulation complete." > sim.log';
    const program = await script(dir, body);
    Deno.env.set("LD_LIBRARY_PATH", "/opt/module/lib");
    // our own binary: loader path blanked, its value saved for descendants
    assert((await runEngine({ command: program, args: [], embedded: true }, input, log)).ok);
    const real = await Deno.realPath(dir);
    assertEquals(
      (await Deno.readTextFile(`${dir}/seen.txt`)).trim(),
      `sim.txt ${real} [] [/opt/module/lib]`,
    );
    // an external program keeps it where --allow-run is unscoped (as here)
    assert((await runEngine(engineCommand(program), input, log)).ok);
    assertEquals(
      (await Deno.readTextFile(`${dir}/seen.txt`)).trim(),
      `sim.txt ${real} [/opt/module/lib] [/opt/module/lib]`,
    );
  } finally {
    if (saved === undefined) Deno.env.delete("LD_LIBRARY_PATH");
    else Deno.env.set("LD_LIBRARY_PATH", saved);
    await Deno.remove(dir, { recursive: true });
  }
});
