// The frontend: a plain Node server on $PORT.
const http = require('http');

const TITLE = 'Welcome';
const port = Number(process.env.PORT || 3000);

http.createServer((req, res) => {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><h1>web: ${TITLE}</h1>\n`);
}).listen(port, () => console.log(`web listening on http://localhost:${port}`));
