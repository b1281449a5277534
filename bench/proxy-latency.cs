// Proxy mode numbers: added latency per request (direct to the server vs through freshserve --proxy), and a
// request loop through restarts (failed requests, save-to-fresh). Build the solution first (Release is best), then:
//   dotnet run bench/proxy-latency.cs -- [Debug|Release]
// Not a test: nothing here is asserted; it prints what it measured.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

var configuration = args.FirstOrDefault() ?? "Release";
var root = Path.GetFullPath(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", ".."));
var webServer = Path.Combine(root, "test", "FreshServe.WebTestServer", "bin", configuration, "net10.0", "webtestserver");
var freshserve = Path.Combine(root, "src", "FreshServe", "bin", configuration, "net10.0", "freshserve.dll");
var work = Directory.CreateTempSubdirectory("freshserve-bench-").FullName;
var content = Path.Combine(work, "page.txt");
File.WriteAllText(content, "v0");
var readyLines = new System.Collections.Concurrent.ConcurrentBag<(long At, string Line)>();

int FreePort()
{
    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)s.LocalEndPoint!).Port;
}

Process Start(string file, params string[] arguments)
{
    var info = new ProcessStartInfo(file) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in arguments) info.ArgumentList.Add(a);
    var p = Process.Start(info)!;
    DataReceivedEventHandler onLine = (_, e) => { if (e.Data?.Contains("✓ ready", StringComparison.Ordinal) == true) readyLines.Add((Stopwatch.GetTimestamp(), e.Data)); };
    p.OutputDataReceived += onLine;
    p.ErrorDataReceived += onLine;
    p.BeginOutputReadLine();
    p.BeginErrorReadLine();
    return p;
}

async Task WaitForAsync(HttpClient client, string url)
{
    for (var i = 0; i < 600; i++)
    {
        try { using var r = await client.GetAsync(url); if (r.IsSuccessStatusCode) return; } catch (HttpRequestException) { }
        await Task.Delay(50);
    }
    throw new TimeoutException(url);
}

async Task<double[]> TimeAsync(HttpClient client, string url, int count)
{
    var times = new double[count];
    for (var i = 0; i < count; i++)
    {
        var t = Stopwatch.GetTimestamp();
        using var r = await client.GetAsync(url);
        await r.Content.ReadAsByteArrayAsync();
        times[i] = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
    }
    Array.Sort(times);
    return times;
}

string Describe(double[] t) => $"median {t[t.Length / 2]:0} µs, p90 {t[t.Length * 9 / 10]:0} µs, p99 {t[t.Length * 99 / 100]:0} µs";

using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(120) };
var directPort = FreePort();
var proxyPort = FreePort();
var direct = Start(webServer, "--port", directPort.ToString(), "--content", content);
var proxied = Start("dotnet", freshserve, "watch", "--proxy", proxyPort.ToString(), "--", webServer, "--port", "{port}", "--content", content);
try
{
    await WaitForAsync(client, $"http://127.0.0.1:{directPort}/text");
    await WaitForAsync(client, $"http://127.0.0.1:{proxyPort}/text");
    const int N = 5000;
    foreach (var path in new[] { "/text", "/" })
    {
        await TimeAsync(client, $"http://127.0.0.1:{directPort}{path}", 1000);
        await TimeAsync(client, $"http://127.0.0.1:{proxyPort}{path}", 1000);
        var d = await TimeAsync(client, $"http://127.0.0.1:{directPort}{path}", N);
        var p = await TimeAsync(client, $"http://127.0.0.1:{proxyPort}{path}", N);
        Console.WriteLine($"{path,-6} direct:  {Describe(d)}");
        Console.WriteLine($"{path,-6} proxied: {Describe(p)}  -> added median {p[N / 2] - d[N / 2]:0} µs");
    }

    // 4 concurrent keep-alive loops through 5 restarts.
    var failures = 0; var total = 0; var stale = 0;
    var version = 0;
    using var stop = new CancellationTokenSource();
    var loops = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            var expected = Volatile.Read(ref version);
            try
            {
                using var r = await client.GetAsync($"http://127.0.0.1:{proxyPort}/text");
                var body = await r.Content.ReadAsStringAsync();
                Interlocked.Increment(ref total);
                if (!r.IsSuccessStatusCode) Interlocked.Increment(ref failures);
                else if (int.Parse(body.Split(' ')[0]["content=v".Length..]) < expected) Interlocked.Increment(ref stale);
            }
            catch (HttpRequestException) { Interlocked.Increment(ref failures); Interlocked.Increment(ref total); }
        }
    })).ToArray();
    var saveToFresh = new List<double>();
    for (var i = 1; i <= 5; i++)
    {
        await Task.Delay(300);
        var before = readyLines.Count;
        var saved = Stopwatch.GetTimestamp();
        File.WriteAllText(content, $"v{i}");
        while (readyLines.Count == before) { if (Stopwatch.GetElapsedTime(saved) > TimeSpan.FromSeconds(60)) throw new TimeoutException("no ready line"); await Task.Delay(1); }
        Volatile.Write(ref version, i);
        // First fresh answer after the save, polled like the field notes do.
        while (true)
        {
            using var r = await client.GetAsync($"http://127.0.0.1:{proxyPort}/text");
            if ((await r.Content.ReadAsStringAsync()).Contains($"content=v{i} ", StringComparison.Ordinal)) break;
        }
        saveToFresh.Add(Stopwatch.GetElapsedTime(saved).TotalMilliseconds);
    }
    await Task.Delay(300);
    stop.Cancel();
    await Task.WhenAll(loops);
    saveToFresh.Sort();
    Console.WriteLine($"restart loop: {total} requests through 5 restarts, {failures} failed, {stale} stale after a ready line");
    Console.WriteLine($"save-to-fresh through the proxy: median {saveToFresh[2]:0} ms (min {saveToFresh[0]:0}, max {saveToFresh[4]:0})");
}
finally
{
    direct.Kill(entireProcessTree: true);
    // SIGTERM, not Kill: freshserve then stops its worker tree itself.
    Process.Start("kill", ["-TERM", proxied.Id.ToString()])!.WaitForExit();
    proxied.WaitForExit(15_000);
    Directory.Delete(work, recursive: true);
}
