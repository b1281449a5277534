using FreshServe.Common;
using FreshServe.Logging;
using FreshServe.Processes;
using Microsoft.Extensions.Logging;

namespace FreshServe.Sessions;

/// <summary>
/// Opens a session at start: stops leftovers of dead sessions for the same folder or port, refuses to run next to a
/// live session for the same folder or port (or replaces it when asked), and records this one.
/// </summary>
public sealed class SessionGuard(SessionRegistry registry, ILogger log)
{
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    public async Task<LiveSession> OpenAsync(SessionRecord ours, bool replace, Processes.StopPolicy stop)
    {
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            List<SessionRecord> rivals;
            using (registry.Lock())
            {
                rivals = [];
                var portHolderSession = ours.Port is { } port && Ports.PortListeners.IsListening(port)
                    ? PortHolderReport.For(port, registry).Session?.Id
                    : null;
                foreach (var record in registry.ReadAll().Where(r => r.Id != ours.Id))
                {
                    // A session whose server holds our port counts too, even when it did not know its port.
                    var related = IsSameFolder(record, ours) || IsSamePort(record, ours) || record.Id == portHolderSession;
                    if (record.SupervisorAlive())
                    {
                        if (related)
                        {
                            rivals.Add(record);
                        }

                        continue;
                    }

                    if (related)
                    {
                        await StopLeftoversAsync(record, stop).ConfigureAwait(false);
                        registry.Remove(record);
                    }
                    else if (SessionProcesses.LeftoverPids(record).Count == 0)
                    {
                        // Nothing of it is left: the record is only litter.
                        registry.Remove(record);
                    }
                }

                if (rivals.Count == 0)
                {
                    registry.Write(ours);
                    return new LiveSession(registry, ours);
                }
            }

            var rival = rivals[0];
            if (!replace)
            {
                throw new FreshServeException(RefusalMessage(rival, ours));
            }

            if (!replaced.Add(rival.Id))
            {
                throw new FreshServeException($"could not replace the freshserve session ({rival.Describe()}): it is still running");
            }

            log.Replacing(rival.Describe());
            await SessionProcesses.StopSupervisorAsync(rival, stop.Timeout + TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            log.Replaced(rival.Pid);
        }
    }

    private async Task StopLeftoversAsync(SessionRecord record, Processes.StopPolicy stop)
    {
        var stopped = await SessionProcesses.StopLeftoversAsync(record, stop).ConfigureAwait(false);
        if (stopped.Count > 0)
        {
            log.LeftoverStopped(string.Join(", ", stopped), record.Describe());
        }
        else if (record.WorkerPid is { } worker && ProcessStartTime.Of(worker) is not null)
        {
            // The pid is alive but is not the recorded worker (its start time differs): it was reused. Never touch it.
            log.LeftoverPidReused(worker);
        }
    }

    private static bool IsSameFolder(SessionRecord a, SessionRecord b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(a.Folder), Path.TrimEndingDirectorySeparator(b.Folder), PathComparison);

    private static bool IsSamePort(SessionRecord a, SessionRecord b) => a.Port is { } port && port == b.Port;

    public static string RefusalMessage(SessionRecord rival, SessionRecord ours)
    {
        var what = IsSameFolder(rival, ours) ? "this folder" : $"port {ours.Port}";
        return $"another freshserve already watches {what} (pid {rival.Pid}, since {rival.Since}, command: {rival.Command}"
            + $"{(IsSameFolder(rival, ours) ? string.Empty : $", folder {rival.Folder}")}); "
            + "stop it, or run this one with --replace to take over";
    }
}

/// <summary>This process's own record: updated when a new worker starts, removed on a clean exit.</summary>
public sealed class LiveSession(SessionRegistry registry, SessionRecord record) : IDisposable
{
    private readonly Lock _gate = new();

    public SessionRecord Record { get; private set; } = record;

    public SessionRegistry Registry => registry;

    public void WorkerStarted(int pid, int generation)
    {
        lock (_gate)
        {
            // On Unix every worker leads its own process group, so its group id is its pid.
            Record = Record with
            {
                WorkerPid = pid,
                WorkerStartTime = ProcessStartTime.Of(pid),
                WorkerGroup = OperatingSystem.IsWindows() ? null : pid,
                Generation = generation,
            };
            registry.Write(Record);
        }
    }

    /// <summary>The port a generation was ready on, so doctor and other sessions see the port really in use.</summary>
    public void ServerPort(int port)
    {
        lock (_gate)
        {
            if (Record.Port == port)
            {
                return;
            }

            Record = Record with { Port = port };
            registry.Write(Record);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            registry.Remove(Record);
        }
    }
}
