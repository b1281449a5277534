# Read by the API and the worker at start-up: an edit here restarts both, the API first.
GREETING = "Hello"
