import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fastapi import FastAPI  # noqa: E402
from fastapi.responses import PlainTextResponse  # noqa: E402

from shared.settings import GREETING  # noqa: E402

app = FastAPI()


@app.get("/", response_class=PlainTextResponse)
def index():
    return f"api: {GREETING} from the API\n"
