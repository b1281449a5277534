using System.Globalization;
using System.Net.Sockets;
using System.Text;
using FreshServe.Logging;
using FreshServe.Sessions;
using Microsoft.Extensions.Logging;

namespace FreshServe.Services;

/// <summary>
/// The running session's control socket: a Unix domain socket (Windows 10 and later have them too) in the session's
/// user-only folder, named after the session's record. One request line per connection ("status", "restart api"),
/// answered with lines of text; a line starting with "error: " is a refusal. Only the user can reach it: the folder is
/// private (<see cref="PrivateFolder"/>).
/// </summary>
public sealed class ControlServer : IDisposable
{
    private readonly Socket _socket;
    private readonly string _path;
    private readonly ControlCommands _commands;
    private readonly CancellationTokenSource _stop = new();

    private ControlServer(Socket socket, string path, ControlCommands commands)
    {
        _socket = socket;
        _path = path;
        _commands = commands;
        _ = AcceptLoopAsync();
    }

    public static string PathFor(LiveSession session) => PathFor(session.Registry, session.Record);

    public static string PathFor(SessionRegistry registry, SessionRecord record) => Path.Combine(registry.Folder, record.Id + ".sock");

    /// <summary>Listens, or says why it cannot (the session then runs without remote control) and returns null.</summary>
    public static ControlServer? TryStart(string path, ControlCommands commands, ILogger log)
    {
        RemoveStaleSockets(Path.GetDirectoryName(path)!);
        Socket? socket = null;
        try
        {
            // Windows before 10 1803 (and Wine) has no Unix domain sockets: the constructor itself refuses.
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            File.Delete(path);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(8);
            return new ControlServer(socket, path, commands);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket?.Dispose();
            log.ControlUnavailable(path, e.Message);
            return null;
        }
    }

    /// <summary>Sockets of sessions that died without cleaning up (SIGKILL): their record is gone.</summary>
    private static void RemoveStaleSockets(string folder)
    {
        try
        {
            foreach (var socket in Directory.EnumerateFiles(folder, "*.sock"))
            {
                if (!File.Exists(Path.ChangeExtension(socket, ".json")))
                {
                    File.Delete(socket);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            _ = AnswerAsync(client);
        }
    }

    private async Task AnswerAsync(Socket client)
    {
        using (client)
        {
            try
            {
                await using var stream = new NetworkStream(client, ownsSocket: false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var request = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false) ?? string.Empty;
                var answer = _commands.Handle(request);
                await stream.WriteAsync(Encoding.UTF8.GetBytes(string.Join('\n', answer) + "\n"), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            File.Delete(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        _stop.Dispose();
    }
}

/// <summary>What the control socket can be asked: the services' status, or to restart some of them.</summary>
public sealed class ControlCommands(IReadOnlyList<ServiceRuntime> services, ChangeRouter router)
{
    public IReadOnlyList<string> Handle(string request)
    {
        var words = request.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        switch (words)
        {
            case ["status"]:
                return Status(services.Select(s => s.Status).ToList());
            case ["restart", .. var names]:
                var unknown = names.Where(n => services.All(s => s.Name != n)).ToList();
                if (unknown.Count > 0)
                {
                    return [$"error: no service named {string.Join(", ", unknown)}; the services are {string.Join(", ", services.Select(s => s.Name))}"];
                }

                var chosen = names.Length == 0 ? services : services.Where(s => names.Contains(s.Name)).ToList();
                router.Restart(chosen);
                return [$"restarting {string.Join(", ", chosen.Select(s => s.Name))}"];
            default:
                return [$"error: unknown request '{request}'; this session understands: status, restart [service...]"];
        }
    }

    /// <summary>A table: one line per service, columns aligned.</summary>
    public static IReadOnlyList<string> Status(IReadOnlyList<ServiceStatus> statuses)
    {
        static string Time(DateTimeOffset? at) => at?.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "-";
        var rows = new List<string[]> { new[] { "SERVICE", "STATE", "GEN", "PID", "PORT", "READY SINCE", "LAST RESTART", "WHY" } };
        rows.AddRange(statuses.Select(s => new[]
        {
            s.Name, s.State, s.Generation.ToString(CultureInfo.InvariantCulture), s.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-",
            s.Port?.ToString(CultureInfo.InvariantCulture) ?? "-", Time(s.ReadySince), Time(s.LastRestart), s.Why ?? "-",
        }));
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        return rows.Select(r => string.Join("  ", r.Select((cell, i) => i == r.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd()).ToList();
    }
}
