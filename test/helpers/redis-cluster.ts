/**
 * A real Redis Cluster for tests: `redis-server --cluster-enabled yes` processes on free loopback ports (each with its
 * own free cluster-bus port, `--cluster-port`, Redis ≥ 7 / Valkey), joined by CLUSTER MEET, slots split evenly over
 * the masters, each master with its replicas. `await using cluster = await RedisCluster.start()` stops every process
 * it started (by PID, through RedisProcess) and removes its temp dir at the end of the block.
 *
 * Faults: `killMaster(i)` SIGKILLs a master; `waitForFailover()` resolves once a replica has taken over its slots and
 * every live node says `cluster_state:ok`. A short `--cluster-node-timeout` (default 1000 ms) keeps a failover ~2 s.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, type RedisClientType } from "redis";
import { freePort, RedisProcess } from "./redis.js";

export interface RedisClusterOptions {
  /** @defaultValue 3 */
  masters?: number;
  /** @defaultValue 1 */
  replicasPerMaster?: number;
  /** `cluster-node-timeout` (ms): how long a silent node takes to be declared failed. @defaultValue 1000 */
  nodeTimeoutMs?: number;
}

/** One redis-server of the cluster. */
export interface ClusterNode {
  readonly port: number;
  readonly url: string;
  /** Its cluster node id (CLUSTER MYID). */
  readonly id: string;
  readonly process: RedisProcess;
}

const SLOTS = 16384;

export class RedisCluster implements AsyncDisposable {
  /** Every node, masters first (in slot order), then replicas. */
  readonly nodes: ClusterNode[];
  /** The initial masters, in slot order: master i serves slots [i·16384/n, (i+1)·16384/n). */
  readonly masters: ClusterNode[];
  readonly #dir: string;
  readonly #admin = new Map<number, RedisClientType>();
  readonly #killed = new Set<number>();

  private constructor(nodes: ClusterNode[], masters: number, dir: string) {
    this.nodes = nodes;
    this.masters = nodes.slice(0, masters);
    this.#dir = dir;
  }

  static async start(opts: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masters = opts.masters ?? 3;
    const total = masters * (1 + (opts.replicasPerMaster ?? 1));
    const dir = await mkdtemp(join(tmpdir(), "roomcast-cluster-"));
    const started: RedisProcess[] = [];
    const cluster = new RedisCluster([], masters, dir);
    try {
      const spawned = await Promise.all(
        Array.from({ length: total }, async (_, i) => {
          const [port, bus] = [await freePort(), await freePort()];
          const args = ["--cluster-enabled", "yes", "--cluster-port", String(bus), "--cluster-node-timeout", String(opts.nodeTimeoutMs ?? 1000), "--repl-diskless-sync-delay", "0"];
          args.push("--cluster-config-file", join(dir, `nodes-${i}.conf`), "--dir", dir, "--dbfilename", `dump-${i}.rdb`);
          const proc = await RedisProcess.start(port, args);
          started.push(proc);
          return { proc, bus };
        }),
      );
      const ids = await Promise.all(spawned.map(({ proc }) => cluster.#command(proc.port, ["CLUSTER", "MYID"])));
      spawned.forEach(({ proc }, i) => cluster.nodes.push({ port: proc.port, url: proc.url, id: String(ids[i]), process: proc }));
      cluster.masters.push(...cluster.nodes.slice(0, masters));
      await cluster.#create(spawned.map((s) => s.bus));
      return cluster;
    } catch (err) {
      for (const client of cluster.#admin.values()) client.destroy();
      await Promise.all(started.map((p) => p.stop("SIGKILL")));
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The temp dir of the nodes' cluster config files (removed on disposal). */
  get dir(): string {
    return this.#dir;
  }

  /** The root nodes for node-redis `createCluster({ rootNodes })`: every node, killed or not. */
  get rootNodes(): Array<{ url: string }> {
    return this.nodes.map((n) => ({ url: n.url }));
  }

  /** Index in {@link masters} of the initial master serving `key`'s slot. */
  async masterIndexOf(key: string): Promise<number> {
    const slot = Number(await this.#command(this.#live().port, ["CLUSTER", "KEYSLOT", key]));
    return Math.floor((slot * this.masters.length) / SLOTS);
  }

  /** SIGKILLs initial master `i` (a crash: no shutdown, no last replication). */
  async killMaster(i: number): Promise<ClusterNode> {
    const node = this.masters[i];
    if (node === undefined) throw new Error(`no master ${i}`);
    this.#killed.add(node.port);
    this.#admin.get(node.port)?.destroy();
    this.#admin.delete(node.port);
    await node.process.kill();
    return node;
  }

  /**
   * Resolves once no killed node serves a slot any more and every live node says `cluster_state:ok` (a replica
   * has been promoted); rejects after `timeoutMs`.
   */
  async waitForFailover(timeoutMs = 15_000): Promise<void> {
    await this.#poll("failover", timeoutMs, async () => {
      for (const node of this.nodes) {
        if (this.#killed.has(node.port)) continue;
        if (!(await this.#clusterOk(node.port))) return false;
        const shards = (await this.#command(node.port, ["CLUSTER", "SLOTS"])) as Array<[number, number, [string, number]]>;
        if (shards.some((s) => this.#killed.has(Number(s[2][1])))) return false;
      }
      return true;
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const client of this.#admin.values()) client.destroy();
    this.#admin.clear();
    await Promise.all(this.nodes.map((n) => n.process.stop()));
    await rm(this.#dir, { recursive: true, force: true });
  }

  // ---- setup ------------------------------------------------------------------------------------------------------

  async #create(busPorts: number[]): Promise<void> {
    const [first, ...others] = this.nodes;
    const n = this.masters.length;
    // what `redis-cli --cluster create` does: slots, distinct config epochs, MEET, then REPLICATE
    await Promise.all(
      this.masters.map((m, i) => {
        const slots = Array.from({ length: Math.floor(((i + 1) * SLOTS) / n) - Math.floor((i * SLOTS) / n) }, (_, k) => String(Math.floor((i * SLOTS) / n) + k));
        return this.#command(m.port, ["CLUSTER", "ADDSLOTS", ...slots]);
      }),
    );
    await Promise.all(this.nodes.map((node, i) => this.#command(node.port, ["CLUSTER", "SET-CONFIG-EPOCH", String(i + 1)])));
    await Promise.all(others.map((node, i) => this.#command(first!.port, ["CLUSTER", "MEET", "127.0.0.1", String(node.port), String(busPorts[i + 1])])));
    await this.#poll("nodes to meet", 10_000, async () => {
      for (const node of this.nodes) {
        const info = String(await this.#command(node.port, ["CLUSTER", "INFO"]));
        if (!info.includes(`cluster_known_nodes:${this.nodes.length}\r\n`)) return false;
      }
      return true;
    });
    const replicas = this.nodes.slice(n);
    await Promise.all(replicas.map((r, i) => this.#command(r.port, ["CLUSTER", "REPLICATE", this.masters[i % n]!.id])));
    // ready: every node sees every replica attached (so any master can vote for a failover), replication links are up
    await this.#poll("cluster to form", 15_000, async () => {
      for (const node of this.nodes) {
        if (!(await this.#clusterOk(node.port))) return false;
        const table = String(await this.#command(node.port, ["CLUSTER", "NODES"]));
        if (table.split("\n").filter((line) => / (myself,)?slave /.test(line)).length !== replicas.length) return false;
      }
      for (const r of replicas) {
        if (!String(await this.#command(r.port, ["INFO", "replication"])).includes("master_link_status:up")) return false;
      }
      return true;
    });
    for (const client of this.#admin.values()) client.destroy();
    this.#admin.clear();
  }

  // ---- node access ------------------------------------------------------------------------------------------------

  #live(): ClusterNode {
    const node = this.nodes.find((n) => !this.#killed.has(n.port));
    if (node === undefined) throw new Error("every node was killed");
    return node;
  }

  async #clusterOk(port: number): Promise<boolean> {
    return String(await this.#command(port, ["CLUSTER", "INFO"])).includes("cluster_state:ok");
  }

  /** One command to one node, on a plain (non-cluster) admin connection of the helper. */
  async #command(port: number, args: string[]): Promise<unknown> {
    let client = this.#admin.get(port);
    if (client === undefined) {
      client = createClient({ socket: { host: "127.0.0.1", port, reconnectStrategy: false } });
      client.on("error", () => undefined); // a killed node: the poll that used it fails and retries
      this.#admin.set(port, client);
      try {
        await client.connect();
      } catch (err) {
        this.#admin.delete(port);
        throw err;
      }
    }
    return client.sendCommand(args);
  }

  async #poll(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        if (await check()) return;
      } catch (err) {
        last = err;
      }
      await sleep(50);
    }
    throw new Error(`redis cluster: timed out waiting for ${what}${last === undefined ? "" : ` (${String(last)})`}`);
  }
}
