using System.Globalization;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.Proxy;

/// <summary>freshserve in proxy mode in front of the web test server, in a temp folder with a content file.</summary>
public sealed class ProxyRun : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder;

    private ProxyRun(TempFolder folder, FreshServeProcess process, int port, string contentFile)
    {
        _folder = folder;
        Process = process;
        Port = port;
        ContentFile = contentFile;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
        {
            BaseAddress = new Uri($"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}"),
            Timeout = TimeSpan.FromSeconds(90),
        };
    }

    public FreshServeProcess Process { get; }
    public int Port { get; }
    public string ContentFile { get; }
    public HttpClient Client { get; }
    public string Url => $"http://localhost:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Starts freshserve --proxy with <paramref name="options"/> and waits for the first ready line.</summary>
    public static async Task<ProxyRun> StartAsync(string content = "one", string[]? options = null, string[]? command = null, bool waitForReady = true)
    {
        var folder = new TempFolder();
        var contentFile = folder.Write("page.txt", content);
        var port = FreePort.Get();
        string[] args =
        [
            "watch", "--proxy", port.ToString(CultureInfo.InvariantCulture), .. options ?? [], "--",
            .. command ?? [TestPaths.WebTestServer, "--port", "{port}", "--content", contentFile],
        ];
        var process = FreshServeProcess.Start(folder.Path, args);
        var run = new ProxyRun(folder, process, port, contentFile);
        if (waitForReady)
        {
            await process.WaitForLineAsync(@"✓ ready in \d+ ms on port \d+ \(generation 1\)", Patience);
        }

        return run;
    }

    public async Task EditAsync(string content, int expectedGeneration)
    {
        await File.WriteAllTextAsync(ContentFile, content);
        await Process.WaitForLineAsync($@"✓ ready in \d+ ms on port \d+ \(generation {expectedGeneration}\)", Patience);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
        _folder.Dispose();
    }
}
