"""A queue worker without a port: it asks the API every two seconds and says what it got."""
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from shared.settings import GREETING  # noqa: E402

API = os.environ.get("API_URL", "http://127.0.0.1:8000/")
JOB = "job"

print(f"worker: {GREETING}, taking jobs of kind {JOB!r}", flush=True)
while True:
    try:
        with urllib.request.urlopen(API, timeout=2) as response:
            print(f"worker: {JOB} done, the API says {response.read().decode().strip()!r}", flush=True)
    except OSError as error:
        print(f"worker: the API is not answering ({error})", flush=True)
    time.sleep(2)
