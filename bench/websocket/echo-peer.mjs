// The peer of bench/websocket.sh: N sockets of the Node `ws` client, each sending a numbered message and waiting for
// its echo back to back for D seconds (after a 1 s warm-up). Prints "round_trips_per_second cpu_us_per_round_trip".
// Usage: node echo-peer.mjs URL SOCKETS SECONDS
import WebSocket from "ws";

const [url, sockets, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const warmupEnd = Date.now() + 1000;
const end = warmupEnd + seconds * 1000;
let counted = 0;
let cpuFrom = null;

function loop() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let n = 0;
    ws.on("open", () => ws.send(JSON.stringify({ n })));
    ws.on("message", (data) => {
      if (JSON.parse(data).n !== n) return;
      const now = Date.now();
      if (now >= warmupEnd) {
        if (cpuFrom === null) cpuFrom = process.cpuUsage();
        counted++;
      }
      if (now >= end) { ws.close(); return; }
      ws.send(JSON.stringify({ n: ++n }));
    });
    ws.on("close", resolve);
    ws.on("error", reject);
  });
}

await Promise.all(Array.from({ length: sockets }, loop));
const cpu = process.cpuUsage(cpuFrom);
console.log(`${(counted / seconds).toFixed(0)} ${((cpu.user + cpu.system) / Math.max(1, counted)).toFixed(2)}`);
