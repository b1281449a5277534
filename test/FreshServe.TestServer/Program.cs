// A tiny dev server for FreshServe's tests: it listens on a port, answers every HTTP request with its generation,
// pid and the content of a file read at start-up (like a FastAPI app that builds its page at import time), and can
// take the shapes that trip supervisors up: children and grandchildren, ignoring SIGTERM, crashing.
//
//   testserver [--port N] [--content FILE] [--pid-file FILE] [--children N] [--ignore-term] [--exit CODE]
//              [--exit-after MS] [--role NAME] [--setsid] [--setsid-child] [--orphan-grandchild]
//
//   --setsid             call setsid() first: leave freshserve's process group and session (Unix)
//   --setsid-child       also start a child that calls setsid
//   --orphan-grandchild  start a child that starts a setsid grandchild and exits at once (a daemonizing wrapper)
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

var options = Options.Parse(args);
var pid = Environment.ProcessId;
var generation = Environment.GetEnvironmentVariable("FRESHSERVE_GENERATION") ?? "0";
var content = options.ContentFile is null ? string.Empty : File.ReadAllText(options.ContentFile).Trim();

if (options.Setsid && !OperatingSystem.IsWindows())
{
    Native.setsid();
}

if (options.PidFile is not null)
{
    Native.AppendLocked(options.PidFile, $"{pid} {options.Role}{Environment.NewLine}");
}

if (options.IgnoreTerm)
{
    // Handled and cancelled: the process keeps running, like a server that ignores SIGTERM.
    PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = true);
    if (OperatingSystem.IsWindows())
    {
        // CTRL_BREAK_EVENT arrives as SIGQUIT: the Windows form of a graceful stop request.
        PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context => context.Cancel = true);
    }
}

var children = new List<System.Diagnostics.Process>();
for (var i = 0; i < options.Children; i++)
{
    children.Add(StartChild($"{options.Role}.child{i}"));
}

if (options.SetsidChild)
{
    children.Add(StartChild($"{options.Role}.setsid", "--setsid"));
}

if (options.OrphanGrandchild)
{
    children.Add(StartChild($"{options.Role}.mid", "--setsid-child", "--exit", "0"));
}

System.Diagnostics.Process StartChild(string role, params string[] extra)
{
    var info = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
    info.ArgumentList.Add("--role");
    info.ArgumentList.Add(role);
    if (options.PidFile is not null)
    {
        info.ArgumentList.Add("--pid-file");
        info.ArgumentList.Add(options.PidFile);
    }

    if (options.IgnoreTerm)
    {
        info.ArgumentList.Add("--ignore-term");
    }

    foreach (var arg in extra)
    {
        info.ArgumentList.Add(arg);
    }

    return System.Diagnostics.Process.Start(info)!;
}

if (options.Exit is { } exitCode)
{
    if (options.ExitAfterMs > 0)
    {
        Thread.Sleep(options.ExitAfterMs);
    }

    Console.WriteLine($"testserver {options.Role} exiting with {exitCode}");
    return exitCode;
}

if (options.Port is not { } port)
{
    Console.WriteLine($"testserver {options.Role} pid {pid} idle");
    Thread.Sleep(Timeout.Infinite);
    return 0;
}

// A slow start (a first build, migrations) before the port is open.
Thread.Sleep(options.ListenAfterMs);
var listener = new TcpListener(IPAddress.Loopback, port);
listener.Start();
Console.WriteLine($"testserver {options.Role} pid {pid} generation {generation} listening on {port}");
while (true)
{
    var client = await listener.AcceptTcpClientAsync();
    _ = Task.Run(async () =>
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[4096];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read));
                if (n == 0)
                {
                    return;
                }

                read += n;
                if (Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    break;
                }
            }

            var body = $"generation={generation} pid={pid} content={content}\n";
            var response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(response));
        }
    });
}

internal static partial class Native
{
    /// <summary>Sibling processes append at the same moment: take the file exclusively (retrying) so lines never mix.</summary>
    public static void AppendLocked(string path, string line)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None);
                stream.Write(Encoding.UTF8.GetBytes(line));
                return;
            }
            catch (IOException) when (attempt < 500)
            {
                Thread.Sleep(2);
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    internal static partial int setsid();
}

internal sealed record Options(int? Port, string? ContentFile, string? PidFile, int Children, bool IgnoreTerm, int? Exit, int ExitAfterMs, string Role)
{
    public bool Setsid { get; init; }

    public bool SetsidChild { get; init; }

    public bool OrphanGrandchild { get; init; }

    public int ListenAfterMs { get; init; }

    public static Options Parse(string[] args)
    {
        var o = new Options(null, null, null, 0, false, null, 0, "root");
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            o = args[i] switch
            {
                "--port" => o with { Port = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--content" => o with { ContentFile = Next() },
                "--pid-file" => o with { PidFile = Next() },
                "--children" => o with { Children = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--ignore-term" => o with { IgnoreTerm = true },
                "--exit" => o with { Exit = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--exit-after" => o with { ExitAfterMs = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--role" => o with { Role = Next() },
                "--setsid" => o with { Setsid = true },
                "--setsid-child" => o with { SetsidChild = true },
                "--orphan-grandchild" => o with { OrphanGrandchild = true },
                "--listen-after" => o with { ListenAfterMs = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"testserver: unknown argument {args[i]}"),
            };
        }

        return o;
    }
}
