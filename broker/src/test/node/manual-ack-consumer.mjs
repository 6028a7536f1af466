// A consumer with manual acknowledgement (MQTT.js customHandleAcks), which the tests kill (SIGKILL)
// while it handles a message.
// usage: node manual-ack-consumer.mjs URL CLIENT_ID FILTER QOS LOG STALL_PAYLOAD
// MQTT 5.0, Clean Start 0, Session Expiry 3600 s, Receive Maximum 3. Writes to LOG: "READY" once
// subscribed, "R payload" when a message reaches the handler, "H payload" once handled (before the
// PUBACK or PUBREC is sent). On STALL_PAYLOAD it writes "STALL" and never acknowledges.
import mqtt from 'mqtt';
import { appendFileSync } from 'node:fs';

const [url, clientId, filter, qos, logFile, stall] = process.argv.slice(2);
const log = (line) => appendFileSync(logFile, line + '\n');

const client = mqtt.connect(url, {
  protocolVersion: 5,
  clientId,
  clean: false,
  reconnectPeriod: 0,
  connectTimeout: 10_000,
  properties: { sessionExpiryInterval: 3600, receiveMaximum: 3 },
  customHandleAcks: (topic, message, packet, done) => {
    const payload = message.toString();
    log(`R ${payload}`);
    if (payload === stall) {
      log('STALL');
      return; // never acknowledged: the test kills the process
    }
    setTimeout(() => { // the handling
      log(`H ${payload}`);
      done(0);
    }, 5);
  },
});
client.on('error', (e) => { log(`ERROR ${e}`); process.exit(1); });
client.on('connect', (connack) => {
  client.subscribe(filter, { qos: Number(qos) }, (err) => {
    if (err) { log(`ERROR ${err}`); process.exit(1); }
    log('READY');
  });
});
