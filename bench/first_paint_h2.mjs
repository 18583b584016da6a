// bench/first_paint.py's HTTP/2 server (Node's own http2; Python's servers here speak HTTP/1.1 only), on 127.0.0.1:
// a prepared index.html for client-side routes, /vendor/<pkg>/... from node_modules, other files from the web folder,
// /api/... forwarded to the local stack. Prints "listening <port>" once bound.
// node bench/first_paint_h2.mjs <web dir> <index.html file> <api base URL> <key.pem> <cert.pem>
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import path from 'node:path';

const [webDir, indexFile, apiBase, keyFile, certFile] = process.argv.slice(2);
const root = path.resolve(webDir);
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.html': 'text/html' };

// A stream the browser has cancelled (a closed context) is dropped: answering it would throw.
const gone = (stream) => stream.destroyed || stream.closed;

function sendFile(stream, file) {
  fs.readFile(file, (error, body) => {
    if (gone(stream)) return;
    if (error) {
      stream.respond({ ':status': 404, 'content-type': 'text/plain' });
      stream.end('Not found');
      return;
    }
    stream.respond({ ':status': 200, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    stream.end(body);
  });
}

function forward(stream, headers, pathname) {
  const target = new URL(pathname, apiBase);
  const outgoing = {};
  for (const name of ['authorization', 'content-type']) if (headers[name]) outgoing[name] = headers[name];
  const request = http.request(target, { method: headers[':method'], headers: outgoing }, (response) => {
    if (gone(stream)) return response.resume();
    stream.respond({ ':status': response.statusCode, 'content-type': response.headers['content-type'] ?? 'application/json' });
    response.pipe(stream);
  });
  request.on('error', () => {
    if (gone(stream)) return;
    stream.respond({ ':status': 502 });
    stream.end();
  });
  stream.pipe(request);
}

const server = http2.createSecureServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) });
server.on('sessionError', () => {});
server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  const pathname = headers[':path'] ?? '/';
  const plain = decodeURIComponent(pathname.split('?')[0]);
  if (plain.startsWith('/api/')) return forward(stream, headers, pathname);
  const last = plain.slice(plain.lastIndexOf('/') + 1);
  if (!last.includes('.')) return sendFile(stream, indexFile);
  const file = plain.startsWith('/vendor/')
    ? path.join(root, 'node_modules', plain.slice('/vendor/'.length))
    : path.join(root, plain);
  if (!path.resolve(file).startsWith(root + path.sep)) {
    stream.respond({ ':status': 404 });
    return stream.end();
  }
  return sendFile(stream, file);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
