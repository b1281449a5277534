# The page is built at import time, so new content needs a new process: the case a dev-server supervisor exists for.
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

MESSAGE = "initial"
PAGE = f"<!doctype html><html><body><h1>{MESSAGE}</h1></body></html>"

app = FastAPI()


@app.get("/", response_class=HTMLResponse)
def index() -> str:
    return PAGE
