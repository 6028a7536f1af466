// MQTT.js under Node: subscribe at QoS 2, publish one message at QoS 1 and one at QoS 2, receive both.
// usage: node mqttjs-roundtrip.mjs URL PROTOCOL_VERSION [CA_FILE]
// Prints one JSON line: {"ok":true,"received":[...]} or {"ok":false,"error":"..."}; exit code 0 / 1.
import mqtt from 'mqtt';
import { readFileSync } from 'node:fs';

const [url, version, caFile] = process.argv.slice(2);
const topic = `js/${process.pid}-${Date.now()}`;
const options = {
  protocolVersion: Number(version),
  clientId: `mqttjs-${process.pid}`,
  clean: true,
  reconnectPeriod: 0,
  connectTimeout: 10_000,
};
if (caFile) {
  options.ca = readFileSync(caFile);
  options.rejectUnauthorized = true;
}

let finished = false;
const done = (result, code) => {
  if (finished) return;
  finished = true;
  console.log(JSON.stringify(result));
  process.exit(code);
};
setTimeout(() => done({ ok: false, error: 'timed out' }, 1), 15_000);

const client = mqtt.connect(url, options);
const received = [];
let ending = false;
// once both messages are in, a write racing the close (EPIPE) is not a failure of the broker
client.on('error', (e) => ending || done({ ok: false, error: String(e), received }, 1));
client.on('message', (t, payload, packet) => {
  received.push({ topic: t, payload: payload.toString(), qos: packet.qos });
  if (received.length === 2) {
    ending = true;
    client.end(false, () => done({ ok: true, received }, 0));
  }
});
client.on('connect', () => {
  client.subscribe(`${topic}/#`, { qos: 2 }, (err) => {
    if (err) return done({ ok: false, error: String(err) }, 1);
    client.publish(`${topic}/one`, 'qos1', { qos: 1 });
    client.publish(`${topic}/two`, 'qos2', { qos: 2 });
  });
});
