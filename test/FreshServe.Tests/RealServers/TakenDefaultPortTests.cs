using System.Net;
using System.Net.Sockets;
using FreshServe.Tests.Infrastructure;

namespace FreshServe.Tests.RealServers;

/// <summary>
/// Vite's default port taken by another program: vite takes the next free one, so freshserve must not wait for (and
/// give up on) a port the user never asked for; it observes the one vite listens on.
/// </summary>
public sealed class TakenDefaultPortTests
{
    private const int ViteDefault = 5173;

    [Fact]
    public async Task Vite_moves_off_its_taken_default_port_and_freshserve_serves_the_one_it_listens_on()
    {
        // Held here; if something else already holds it, it is taken all the same.
        using var holder = TryListen(ViteDefault);
        Assert.True(TryConnect(ViteDefault), "port 5173 should be taken for this test");

        using var app = new AppFolder(NodeModules.Folder);
        app.Write("package.json", """{ "name": "vite-app", "private": true, "type": "module", "scripts": { "dev": "vite --host 127.0.0.1" } }""");
        app.Write("index.html", "<html><body><h1>version 1</h1></body></html>\n");
        app.Write("vite.config.js", "export default { define: { V: 1 } };\n");
        await using var fs = FreshServeProcess.Start(app.Path, ["watch", "--", "npm", "run", "dev"]);

        await fs.WaitForLineAsync(@"port 5173 \(the vite preset's default\) is taken; vite moves to the next free one", TimeSpan.FromSeconds(30));
        var ready = await fs.WaitForLineAsync(@"✓ ready in \d+ ms on port \d+ \(generation 1\)", TimeSpan.FromSeconds(60));
        var port = int.Parse(System.Text.RegularExpressions.Regex.Match(ready, @"on port (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(ViteDefault, port);
        Assert.NotNull(await Http.WaitForAsync(port, body => body.Contains("version 1", StringComparison.Ordinal), TimeSpan.FromSeconds(30)));

        // A config edit restarts it; the port it moved to is proven free and served again.
        app.Write("vite.config.js", "export default { define: { V: 2 } };\n");
        await fs.WaitForLineAsync($@"✓ ready in \d+ ms on port {port} \(generation 2\)", TimeSpan.FromSeconds(60));
        Assert.NotNull(await Http.WaitForAsync(port, body => body.Contains("version 1", StringComparison.Ordinal), TimeSpan.FromSeconds(30)));

        var tree = ProcessProbe.Descendants(fs.Pid);
        fs.Track(tree);
        fs.Signal(ProcessProbe.SIGINT);
        Assert.Equal(0, await fs.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await ProcessProbe.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(5)), fs.Output);
    }

    private static TcpListener? TryListen(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return listener;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static bool TryConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
