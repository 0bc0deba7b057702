// The bare relay: the reference the load tool's `relay` subcommand measures our service against. It registers each
// socket under the user id in its URL (/ws/match/<user_id>, no token check) and forwards
// {"type", "data": {"target_user_id", "data"}} to the named peer as {"type", "from_user_id", "data"} (the envelope our
// server sends), and answers {"type":"ping"} with {"type":"pong"}. No checks, no database, loopback only.
//   node server.js [port]   (0 or nothing: a free port; prints "listening on 127.0.0.1:<port>")
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const sockets = new Map();
const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(req.url === '/health' ? '{"status":"healthy"}' : '{"detail":"Not Found"}');
});
const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 });

wss.on('connection', (ws, req) => {
  const match = /^\/ws\/match\/([^/?]+)/.exec(req.url || '');
  if (!match) return ws.close(1008, 'Unknown path');
  const userId = match[1];
  sockets.set(userId, ws);
  ws.on('message', (raw) => {
    let message;
    try { message = JSON.parse(raw); } catch { return; }
    if (message === null || typeof message !== 'object') return;
    if (message.type === 'ping') return ws.send('{"type":"pong"}');
    const data = message.data || {};
    const peer = sockets.get(data.target_user_id);
    if (peer && peer.readyState === 1) peer.send(JSON.stringify({ type: message.type, from_user_id: userId, data: data.data }));
  });
  ws.on('close', () => { if (sockets.get(userId) === ws) sockets.delete(userId); });
});

server.listen(Number(process.argv[2] || process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
