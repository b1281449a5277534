// A plain Node http server: no framework, no reloader of its own.
//   freshserve watch -- node server.js --port 3001
const http = require("http");

const MESSAGE = "Hello from FreshServe (Node)";
const portArg = process.argv.indexOf("--port");
const port = Number(portArg >= 0 ? process.argv[portArg + 1] : process.env.PORT || 3001);
const generation = process.env.FRESHSERVE_GENERATION || "?";

http
  .createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(`<!doctype html><html><body><h1>${MESSAGE}</h1><p>generation ${generation}, pid ${process.pid}</p></body></html>`);
  })
  .listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`));
