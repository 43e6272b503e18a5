// kubekata/echo: an HTTP server on POD_IP:PORT that answers every request with JSON saying which
// pod it is. Given code (an "image"), run by the runtime shim as a real process.
//   GET /anything  ->  {"pod":"web-1","namespace":"default","ip":"127.0.1.2","port":8080,"method":"GET","path":"/anything","pid":1234}
// It logs one line per request to stdout and exits 0 on SIGTERM once its listener is closed
// (after SHUTDOWN_DELAY_SECONDS of serving on, when that is set).
import { createServer } from 'node:http';

const host = process.env.POD_IP || '127.0.0.1';
const port = Number(process.env.PORT || 8080);
const who = { pod: process.env.POD_NAME ?? '', namespace: process.env.POD_NAMESPACE ?? '', ip: host, port };

const server = createServer((req, res) => {
  const body = JSON.stringify({ ...who, method: req.method, path: req.url, pid: process.pid });
  console.log(`${req.method} ${req.url}`);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 1000;
server.on('error', (error) => {
  console.error(`echo: cannot listen on ${host}:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, host, () => console.log(`echo: listening on ${host}:${port} as ${who.namespace}/${who.pod}`));
// SHUTDOWN_DELAY_SECONDS: keep serving this long after SIGTERM before closing, while the pod's
// endpoints leave every kube-proxy (what a preStop `sleep` does for apps that cannot wait
// themselves); then finish the requests under way. Without it: close at once, as before.
const shutdownDelay = Number(process.env.SHUTDOWN_DELAY_SECONDS || 0);
process.on('SIGTERM', () => {
  if (shutdownDelay > 0) {
    console.log(`echo: SIGTERM, serving ${shutdownDelay} s more while the endpoints move, then closing`);
    setTimeout(() => {
      server.close(() => process.exit(0));
      server.closeIdleConnections();
    }, shutdownDelay * 1000);
    return;
  }
  console.log('echo: SIGTERM, closing');
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
