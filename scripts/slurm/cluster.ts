/**
 * A throw-away single-node Slurm cluster for tests: munged, slurmctld and slurmd started in the
 * foreground from a temp dir (own munge key and socket, own slurm.conf, state and spool dirs,
 * free ports), so nothing on the machine is touched and everything stops with the test.
 *
 * `deno run -A scripts/slurm/cluster.ts` starts a cluster, runs a trivial 3-task array job,
 * prints what happened and stops the daemons (a self-check of this harness).
 *
 * @module
 */

/** A running test cluster. */
export interface SlurmCluster {
  /** The temp dir holding config, keys, state, spool and logs. */
  dir: string;
  /** The node (and controller) name: this machine's short host name. */
  nodeName: string;
  /** The partition name. */
  partition: string;
  /** Environment for Slurm clients (sbatch, squeue, scontrol): `SLURM_CONF`. */
  env: Record<string, string>;
  /** Runs a Slurm client command against this cluster; rejects on a non-zero exit. */
  run(command: string, args: string[], cwd?: string): Promise<string>;
  /** Waits until every job given has left the queue, or rejects after `timeoutMs`. */
  waitForJobs(jobIds: string[], timeoutMs: number): Promise<Map<string, string>>;
  /** The daemons' log files' tails, for failure messages. */
  logTail(lines?: number): Promise<string>;
  /** Cancels remaining jobs and stops the three daemons (idempotent). */
  stop(): Promise<void>;
}

const decoder = new TextDecoder();

async function capture(
  command: string,
  args: string[],
  env?: Record<string, string>,
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(command, { args, env, cwd, stdin: "null" }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function which(program: string): Promise<string | undefined> {
  for (
    const dir of [
      "/usr/sbin",
      "/usr/bin",
      "/sbin",
      "/bin",
      ...(Deno.env.get("PATH") ?? "").split(":"),
    ]
  ) {
    if (dir === "") continue;
    try {
      const info = await Deno.stat(`${dir}/${program}`);
      if (info.isFile) return `${dir}/${program}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Makes sure munged, slurmctld, slurmd and the clients are installed: when missing and running
 * as root, installs Debian's `slurm-wlm` and `munge` with apt-get. Returns undefined when ready,
 * else the reason Slurm cannot run here. Needs --allow-run (apt-get, id), --allow-read, --allow-env.
 */
export async function ensureSlurmInstalled(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return `Slurm test cluster needs Linux, this is ${Deno.build.os}`;
  const uid = Deno.uid();
  if (uid !== 0) return "starting slurmd needs root (it runs jobs as their owner)";
  const programs = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel"];
  let missing = [];
  for (const program of programs) if (await which(program) === undefined) missing.push(program);
  if (missing.length === 0) return undefined;
  const aptGet = await which("apt-get");
  if (aptGet === undefined) return `missing ${missing.join(", ")} and no apt-get to install them`;
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const update = await capture(aptGet, ["update", "-qq"], env);
  const install = await capture(aptGet, ["install", "-y", "-qq", "slurm-wlm", "munge"], env);
  missing = [];
  for (const program of programs) if (await which(program) === undefined) missing.push(program);
  if (missing.length === 0) return undefined;
  const why = (install.stderr || update.stderr).trim().split("\n").slice(-2).join(" ");
  return `apt-get install slurm-wlm munge failed (${why}); still missing ${missing.join(", ")}`;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function shortHostName(): Promise<string> {
  const out = await capture("hostname", ["-s"]);
  const name = out.stdout.trim();
  return name === "" ? Deno.hostname().split(".")[0] ?? "localhost" : name;
}

/** The NodeName line `slurmd -C` prints for this machine (real CPUs, sockets, RealMemory). */
async function nodeHardware(slurmd: string): Promise<string> {
  const out = await capture(slurmd, ["-C"]);
  const line = out.stdout.split("\n").find((l) => l.startsWith("NodeName="));
  if (line === undefined) throw new Error(`"slurmd -C" printed no NodeName line: ${out.stderr}`);
  return line.replace(/^NodeName=\S+\s*/, "");
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function readTail(path: string, lines: number): Promise<string> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Starts munged, slurmctld and slurmd on this machine as one node with one partition, and waits
 * until the node is idle. Rejects (after stopping what it started) when any daemon cannot start.
 * Needs --allow-all in practice (run daemons, write the temp dir, read env, listen for ports).
 */
export async function startCluster(options: { timeoutMs?: number } = {}): Promise<SlurmCluster> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const daemons = await findDaemons();
  const setup = await prepareClusterDir(daemons.slurmd);
  const cluster = clusterHandle(setup);
  try {
    await startMunge(setup, daemons.munged);
    startSlurmDaemons(setup, daemons);
    await waitUntilIdle(setup, timeoutMs);
    return cluster;
  } catch (error) {
    const tail = await cluster.logTail(8);
    await cluster.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tail}`);
  }
}

/** The daemons' programs. */
interface DaemonPrograms {
  munged: string;
  slurmctld: string;
  slurmd: string;
}

/** Where a cluster's files live in its temp dir. */
interface ClusterPaths {
  conf: string;
  key: string;
  socket: string;
  state: string;
  spool: string;
}

/** A cluster being started: its temp dir, names, paths, client environment and daemons. */
interface ClusterSetup {
  dir: string;
  nodeName: string;
  partition: string;
  paths: ClusterPaths;
  env: Record<string, string>;
  /** The daemons started so far, in start order. */
  children: Deno.ChildProcess[];
}

/** The installed munged, slurmctld and slurmd; rejects when any is missing. */
async function findDaemons(): Promise<DaemonPrograms> {
  const munged = await which("munged");
  const slurmctld = await which("slurmctld");
  const slurmd = await which("slurmd");
  if (!munged || !slurmctld || !slurmd) throw new Error("munged, slurmctld or slurmd is missing");
  return { munged, slurmctld, slurmd };
}

/**
 * A new temp dir with the munge, state, spool and log dirs, a fresh munge key and a slurm.conf
 * for this machine's hardware on two free ports. No daemon is started yet.
 */
async function prepareClusterDir(slurmd: string): Promise<ClusterSetup> {
  const dir = await Deno.makeTempDir({ prefix: "ets-slurm-" });
  const nodeName = await shortHostName();
  const partition = "ets";
  const paths = {
    conf: `${dir}/slurm.conf`,
    key: `${dir}/munge/munge.key`,
    socket: `${dir}/munge/munge.socket`,
    state: `${dir}/state`,
    spool: `${dir}/spool`,
  };
  for (const sub of ["munge", "state", "spool", "log"]) {
    await Deno.mkdir(`${dir}/${sub}`, { mode: 0o700 });
  }
  await writeMungeKey(paths.key);
  const hardware = await nodeHardware(slurmd);
  const [ctldPort, slurmdPort] = [freePort(), freePort()];
  const env = { SLURM_CONF: paths.conf };
  const setup: ClusterSetup = { dir, nodeName, partition, paths, env, children: [] };
  await Deno.writeTextFile(paths.conf, slurmConf(setup, hardware, ctldPort, slurmdPort));
  return setup;
}

/** A random 1 KiB munge key, readable by its owner only. */
async function writeMungeKey(path: string): Promise<void> {
  const key = new Uint8Array(1024);
  crypto.getRandomValues(key);
  await Deno.writeFile(path, key, { mode: 0o600 });
}

/**
 * The slurm.conf of a one-node cluster run by root: munge auth on its own socket, no cgroups,
 * accounting or job completion records, the node's real `hardware`, one default partition.
 */
function slurmConf(
  setup: Omit<ClusterSetup, "env" | "children">,
  hardware: string,
  ctldPort: number,
  slurmdPort: number,
): string {
  const { dir, nodeName, partition, paths } = setup;
  return [
    "ClusterName=etstest",
    `SlurmctldHost=${nodeName}(127.0.0.1)`,
    "SlurmUser=root",
    "SlurmdUser=root",
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${slurmdPort}`,
    "AuthType=auth/munge",
    `AuthInfo=socket=${paths.socket}`,
    `StateSaveLocation=${paths.state}`,
    `SlurmdSpoolDir=${paths.spool}`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/log/slurmctld.log`,
    `SlurmdLogFile=${dir}/log/slurmd.log`,
    "SlurmctldDebug=info",
    "SlurmdDebug=info",
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_CPU",
    "SchedulerType=sched/builtin",
    "SwitchType=switch/none",
    "MpiDefault=none",
    "JobAcctGatherType=jobacct_gather/none",
    "AccountingStorageType=accounting_storage/none",
    "JobCompType=jobcomp/none",
    "ReturnToService=2",
    "MinJobAge=600",
    "SlurmdTimeout=60",
    "InactiveLimit=0",
    "KillWait=5",
    `NodeName=${nodeName} NodeAddr=127.0.0.1 ${hardware} State=UNKNOWN`,
    `PartitionName=${partition} Nodes=${nodeName} Default=YES MaxTime=INFINITE State=UP`,
    "",
  ].join("\n");
}

/** The handle of a cluster whose daemons are (being) started. */
function clusterHandle(setup: ClusterSetup): SlurmCluster {
  const { dir, nodeName, partition, env } = setup;
  const run = (command: string, args: string[], cwd?: string): Promise<string> =>
    runClient(env, command, args, cwd);
  return {
    dir,
    nodeName,
    partition,
    env,
    run,
    logTail: (lines = 15) => clusterLogTail(dir, lines),
    stop: stopFunction(setup),
    waitForJobs: (jobIds, ms) => waitForJobs(run, jobIds, ms),
  };
}

/** Runs a Slurm client against the cluster; its stdout, or rejects on a non-zero exit. */
async function runClient(
  env: Record<string, string>,
  command: string,
  args: string[],
  cwd?: string,
): Promise<string> {
  const out = await capture(command, args, env, cwd);
  if (out.code !== 0) {
    throw new Error(`"${command} ${args.join(" ")}" exited ${out.code}: ${out.stderr.trim()}`);
  }
  return out.stdout;
}

/** The last `lines` of the munged, slurmctld and slurmd logs. */
async function clusterLogTail(dir: string, lines: number): Promise<string> {
  return [
    `--- munged.log\n${await readTail(`${dir}/log/munged.log`, lines)}`,
    `--- slurmctld.log\n${await readTail(`${dir}/log/slurmctld.log`, lines)}`,
    `--- slurmd.log\n${await readTail(`${dir}/log/slurmd.log`, lines)}`,
  ].join("\n");
}

/**
 * The cluster's stop (idempotent): cancels the partition's jobs once slurmctld was started,
 * stops the daemons started so far in reverse order, then removes the temp dir.
 */
function stopFunction(setup: ClusterSetup): () => Promise<void> {
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    if (setup.children.length >= 2) {
      await capture("scancel", ["--full", `--partition=${setup.partition}`], setup.env)
        .catch(() => {});
    }
    for (const child of [...setup.children].reverse()) await stopDaemon(child);
    await Deno.remove(setup.dir, { recursive: true }).catch(() => {});
  };
}

/** Stops a daemon: SIGTERM, then SIGKILL when it has not ended within 8 s. */
async function stopDaemon(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // already gone
  }
  const done = await Promise.race([
    child.status.then(() => true),
    sleep(8000).then(() => false),
  ]);
  if (!done) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
  }
}

/**
 * Starts a daemon in the foreground with the cluster's environment, its stderr appended to
 * `DIR/log/LOG`, and records it among the daemons the stop function stops.
 */
function spawnDaemon(
  setup: ClusterSetup,
  program: string,
  args: string[],
  log: string,
): Deno.ChildProcess {
  const child = new Deno.Command(program, {
    args,
    env: setup.env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  void appendStderrToLog(child, `${setup.dir}/log/${log}`);
  setup.children.push(child);
  return child;
}

/** Keeps a daemon's stderr flowing into a file so a chatty daemon never blocks. */
async function appendStderrToLog(child: Deno.ChildProcess, path: string): Promise<void> {
  const file = await Deno.open(path, { create: true, append: true });
  try {
    await child.stderr.pipeTo(file.writable);
  } catch {
    // daemon ended
  }
}

/** Starts munged on the cluster's own key and socket; waits (15 s) until the socket exists. */
async function startMunge(setup: ClusterSetup, munged: string): Promise<void> {
  const { dir, paths } = setup;
  spawnDaemon(setup, munged, [
    "--foreground",
    "--force",
    `--socket=${paths.socket}`,
    `--key-file=${paths.key}`,
    `--pid-file=${dir}/munge/munged.pid`,
    `--log-file=${dir}/log/munged.log`,
    `--seed-file=${dir}/munge/munged.seed`,
  ], "munged.stderr");
  await waitFor(() => isSocket(paths.socket), 15_000, "munged did not create its socket");
}

/** Whether `path` is a socket (false when it does not exist). */
async function isSocket(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isSocket === true;
  } catch {
    return false;
  }
}

/** Starts slurmctld (clean state) and slurmd for this node, in the foreground. */
function startSlurmDaemons(setup: ClusterSetup, daemons: DaemonPrograms): void {
  const conf = setup.paths.conf;
  spawnDaemon(setup, daemons.slurmctld, ["-D", "-c", "-i", "-f", conf], "slurmctld.stderr");
  spawnDaemon(
    setup,
    daemons.slurmd,
    ["-D", "-c", "-f", conf, "-N", setup.nodeName],
    "slurmd.stderr",
  );
}

/**
 * Polls `sinfo` until the node is idle; rejects when a daemon exits or after `timeoutMs`.
 */
async function waitUntilIdle(setup: ClusterSetup, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = "";
  while (Date.now() < deadline) {
    await checkDaemonsRunning(setup.children);
    const out = await capture("sinfo", ["-h", "-N", "-o", "%T"], setup.env);
    state = out.stdout.trim();
    if (out.code === 0 && /^idle/.test(state)) return;
    await sleep(500);
  }
  throw new Error(`node did not become idle within ${timeoutMs} ms (state "${state}")`);
}

/** Rejects when any of the daemons has exited (naming its exit code). */
async function checkDaemonsRunning(children: Deno.ChildProcess[]): Promise<void> {
  for (const child of children) {
    const exited = await Promise.race([child.status.then((s) => s), sleep(0).then(() => null)]);
    if (exited !== null) throw new Error(`a Slurm daemon exited with code ${exited.code}`);
  }
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(what);
}

/** Polls `scontrol show job` until every job is finished; returns job id → final JobState. */
async function waitForJobs(
  run: (command: string, args: string[]) => Promise<string>,
  jobIds: string[],
  timeoutMs: number,
): Promise<Map<string, string>> {
  const final = new Set([
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "BOOT_FAIL",
    "DEADLINE",
    "PREEMPTED",
  ]);
  const deadline = Date.now() + timeoutMs;
  let states = new Map<string, string>();
  while (Date.now() < deadline) {
    states = new Map();
    for (const id of jobIds) {
      // one line per job (array: one per task); the job is done when every task is final
      const text = await run("scontrol", ["show", "job", "-o", id]);
      const taskStates = [...text.matchAll(/JobState=(\S+)/g)].map((m) => m[1] ?? "");
      const pendingOrRunning = taskStates.filter((s) => !final.has(s));
      states.set(
        id,
        pendingOrRunning.length > 0
          ? pendingOrRunning[0]!
          : taskStates.every((s) => s === "COMPLETED")
          ? "COMPLETED"
          : taskStates.find((s) => s !== "COMPLETED") ?? "UNKNOWN",
      );
    }
    if ([...states.values()].every((s) => final.has(s))) return states;
    await sleep(1000);
  }
  throw new Error(
    `jobs not finished within ${timeoutMs} ms: ${
      [...states].map(([id, s]) => `${id}=${s}`).join(", ")
    }`,
  );
}

if (import.meta.main) {
  const reason = await ensureSlurmInstalled();
  if (reason !== undefined) {
    console.log(`Slurm unavailable: ${reason}`);
    Deno.exit(0);
  }
  const started = performance.now();
  const cluster = await startCluster();
  console.log(
    `cluster up in ${((performance.now() - started) / 1000).toFixed(1)} s at ${cluster.dir}`,
  );
  try {
    const work = await Deno.makeTempDir({ prefix: "ets-slurm-job-" });
    await Deno.writeTextFile(
      `${work}/job.sh`,
      "#!/bin/sh\necho task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_MIN-$SLURM_ARRAY_TASK_MAX " +
        "count $SLURM_ARRAY_TASK_COUNT on $(hostname)\n",
    );
    const id = (await cluster.run("sbatch", [
      "--parsable",
      "--array=0-2",
      `--output=${work}/out-%A_%a.txt`,
      `${work}/job.sh`,
    ], work)).trim();
    console.log(`submitted array job ${id}`);
    const states = await cluster.waitForJobs([id], 60_000);
    console.log("states", Object.fromEntries(states));
    for await (const entry of Deno.readDir(work)) {
      if (entry.name.startsWith("out-")) {
        console.log(entry.name, (await Deno.readTextFile(`${work}/${entry.name}`)).trim());
      }
    }
    await Deno.remove(work, { recursive: true });
  } catch (error) {
    console.log(await cluster.logTail());
    throw error;
  } finally {
    await cluster.stop();
  }
}
