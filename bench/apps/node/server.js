// A plain Node http server; the page is built when the module loads.
const http = require("http");

const MESSAGE = "initial";
const page = `<!doctype html><html><body><h1>${MESSAGE}</h1></body></html>`;

const portFlag = process.argv.indexOf("--port");
const port = Number(portFlag >= 0 ? process.argv[portFlag + 1] : process.env.PORT);

http
  .createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end(page);
  })
  .listen(port, "127.0.0.1");
