using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Services;

/// <summary>
/// The project, for real: a FastAPI API under uvicorn (api/), a Python worker without a port (worker/) that
/// depends on it, and a Node server (web/). The API and the worker both read shared/message.txt at start; each
/// service appends "name start ..." to events.log (outside every watched folder) when it starts, so a test sees who
/// restarted and in which order.
/// </summary>
public sealed class ThreeServiceProject : IDisposable
{
    public ThreeServiceProject()
    {
        ApiPort = FreePort.Get();
        WebPort = FreePort.Get();
        Folder.Write("shared/message.txt", "hello");
        Folder.Write("api/app.py", """
            import os
            from fastapi import FastAPI
            from fastapi.responses import PlainTextResponse
            VERSION = "api-1"
            HERE = os.path.dirname(os.path.abspath(__file__))
            MESSAGE = open(os.path.join(HERE, "..", "shared", "message.txt")).read().strip()
            with open(os.path.join(HERE, "..", "events.log"), "a") as log:
                log.write(f"api start {VERSION} {MESSAGE}\n")
            app = FastAPI()
            @app.get("/", response_class=PlainTextResponse)
            def index():
                return f"{VERSION} {MESSAGE}"
            """);
        Folder.Write("worker/worker.py", """
            import os, sys, time
            VERSION = "worker-1"
            HERE = os.path.dirname(os.path.abspath(__file__))
            MESSAGE = open(os.path.join(HERE, "..", "shared", "message.txt")).read().strip()
            with open(os.path.join(HERE, "..", "events.log"), "a") as log:
                log.write(f"worker start {VERSION} {MESSAGE}\n")
            print(f"worker {VERSION} working on {MESSAGE}", flush=True)
            while True:
                # The trigger lies outside every watched folder: creating it is no edit.
                if os.path.exists(os.path.join(HERE, "..", "crash-worker")):
                    print("worker crashing", flush=True)
                    sys.exit(3)
                time.sleep(0.1)
            """);
        Folder.Write("web/server.js", """
            const http = require('http');
            const fs = require('fs');
            const path = require('path');
            const VERSION = 'web-1';
            fs.appendFileSync(path.join(__dirname, '..', 'events.log'), `web start ${VERSION}\n`);
            const port = Number(process.argv[2]);
            http.createServer((req, res) => res.end(VERSION)).listen(port, '127.0.0.1', () => console.log(`web ${VERSION} listening on ${port}`));
            """);
        Folder.Write("events.log", string.Empty);
    }

    public TempFolder Folder { get; } = new();

    public int ApiPort { get; }

    public int WebPort { get; }

    public string Path => Folder.Path;

    /// <summary>freshserve.json as a user writes it.</summary>
    public string ConfigJson => $$"""
        { "services": {
            "api":    { "command": ["/usr/bin/python3", "-m", "uvicorn", "app:app", "--port", "{{ApiPort}}"], "cwd": "api", "watch": ["api", "shared"] },
            "worker": { "command": "/usr/bin/python3 -u worker.py", "cwd": "worker", "watch": ["worker", "shared"], "dependsOn": ["api"] },
            "web":    { "command": ["node", "server.js", "{{WebPort}}"], "cwd": "web", "watch": ["web"] } } }
        """;

    public IReadOnlyList<string> Events => File.ReadAllLines(Folder.File("events.log"));

    public int Count(string prefix) => Events.Count(e => e.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Edits a file the way an editor saves it: the whole content rewritten.</summary>
    public void Edit(string relative, string from, string to)
    {
        var file = Folder.File(relative);
        File.WriteAllText(file, File.ReadAllText(file).Replace(from, to, StringComparison.Ordinal));
    }

    public async Task WaitForEventsAsync(string prefix, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Count(prefix) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"no {count} '{prefix}' events; events.log:\n{string.Join('\n', Events)}");
            }

            await Task.Delay(20);
        }
    }

    public void Dispose() => Folder.Dispose();
}
