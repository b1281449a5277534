"""A FastAPI app whose page is built once, at import time.

That is what makes stale servers so visible: until the process is replaced, every
request gets the page that was computed when the module was first imported.
Edit MESSAGE and save; `freshserve watch -- uvicorn web_app:app --port 8001`
restarts the server and the next request shows the new text.
"""

import os

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

MESSAGE = "Hello from FreshServe"

GENERATION = os.environ.get("FRESHSERVE_GENERATION", "?")
PAGE = f"""<!doctype html>
<html>
  <head><title>FreshServe example</title></head>
  <body>
    <h1>{MESSAGE}</h1>
    <p>Served by generation {GENERATION} (pid {os.getpid()}).</p>
  </body>
</html>
"""

app = FastAPI()


@app.get("/", response_class=HTMLResponse)
def index() -> str:
    return PAGE
