using System.Net.Sockets;
using System.Text;
using FreshServe.Common;
using FreshServe.Sessions;

namespace FreshServe.Services;

/// <summary>
/// <c>freshserve status</c> and <c>freshserve restart &lt;service&gt;</c>: finds the live session that runs the project
/// this folder is in, and asks it over its control socket (<see cref="ControlServer"/>).
/// </summary>
public static class ControlClient
{
    public static async Task<IReadOnlyList<string>> AskAsync(string request, string folder, SessionRegistry registry)
    {
        var session = SessionFor(folder, registry)
            ?? throw new FreshServeException($"no freshserve session runs in {folder} or a folder above it; start one with: freshserve watch");
        var path = ControlServer.PathFor(registry, session);
        if (!session.Project)
        {
            throw new FreshServeException($"the freshserve session here ({session.Describe()}) runs one server and takes no requests; "
                + "status and restart work for a project's services (freshserve.json \"services\")");
        }

        if (!File.Exists(path))
        {
            throw new FreshServeException($"the freshserve session here (pid {session.Pid}) has no control socket ({path}): "
                + "it said why when it started; use its keys in its terminal instead (r, 1-9)");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Socket? socket = null;
        try
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token).ConfigureAwait(false);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request + "\n"), timeout.Token).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var answer = (await reader.ReadToEndAsync(timeout.Token).ConfigureAwait(false))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (answer.FirstOrDefault(line => line.StartsWith("error: ", StringComparison.Ordinal)) is { } error)
            {
                throw new FreshServeException(error["error: ".Length..]);
            }

            return answer;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            throw new FreshServeException($"the freshserve session here (pid {session.Pid}) did not answer on {path}: {e.Message}");
        }
        finally
        {
            socket?.Dispose();
        }
    }

    /// <summary>The live session whose folder is <paramref name="folder"/> or the nearest folder above it.</summary>
    public static SessionRecord? SessionFor(string folder, SessionRegistry registry)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var here = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return registry.ReadAll()
            .Where(r => r.SupervisorAlive())
            .Select(r => (Record: r, Folder: Path.TrimEndingDirectorySeparator(r.Folder)))
            .Where(r => string.Equals(here, r.Folder, comparison) || here.StartsWith(r.Folder + Path.DirectorySeparatorChar, comparison))
            .OrderByDescending(r => r.Folder.Length)
            .Select(r => r.Record)
            .FirstOrDefault();
    }
}
