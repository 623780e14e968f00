/** A soak load process: argv = url, sockets, duration (ms). Prints its counts as one JSON line, then exits. */
import { churn } from "../churn.js";

const [url, sockets, duration] = process.argv.slice(2);
const hardStop = setTimeout(() => process.exit(2), Number(duration) + 60_000); // bounded whatever happens
hardStop.unref();
const counts = await churn(url!, { sockets: Number(sockets), durationMs: Number(duration) });
process.stdout.write(JSON.stringify(counts) + "\n");
// no process.exit(): the last close packets (long-polling POSTs) must leave before the process does
