using FreshServe.Common;
using FreshServe.Ports;
using FreshServe.Processes;

namespace FreshServe.Sessions;

/// <summary>Whose process holds a port, as far as the session records can tell.</summary>
public enum PortHolderKind
{
    /// <summary>Nothing listens, or the OS would not say who does.</summary>
    Unknown,
    /// <summary>Not started by any recorded freshserve session.</summary>
    Foreign,
    /// <summary>The worker tree of a freshserve session that is still running.</summary>
    LiveSession,
    /// <summary>Left running by a freshserve session that is gone.</summary>
    Leftover,
    /// <summary>A running freshserve itself: its --proxy port.</summary>
    SessionProxy,
}

/// <summary>A port's holder in plain words: pid, command line, and whether FreshServe started it.</summary>
public sealed record PortHolderReport(PortHolder Holder, PortHolderKind Kind, SessionRecord? Session, string? SessionId)
{
    /// <summary>True when the holder came from an earlier generation of the asking session itself.</summary>
    public bool FromOwnSession { get; init; }

    public static PortHolderReport For(int port, SessionRegistry registry, string? ownSessionId = null) =>
        Classify(PortOwner.Find(port), registry, ownSessionId);

    public static PortHolderReport Classify(PortHolder holder, SessionRegistry registry, string? ownSessionId = null)
    {
        if (holder.Pid is not (> 0 and var pid))
        {
            return new(holder, PortHolderKind.Unknown, null, null);
        }

        IReadOnlyList<SessionRecord> records;
        try
        {
            records = registry.ReadAll();
        }
        catch (FreshServeException)
        {
            records = [];
        }

        if (records.FirstOrDefault(r => r.Pid == pid && r.SupervisorAlive()) is { } supervisor)
        {
            return new(holder, PortHolderKind.SessionProxy, supervisor, supervisor.Id);
        }

        var marker = ProcessMarker.SessionOf(pid);
        if (marker is not null && marker == ownSessionId)
        {
            // It escaped the worker's process group (setsid, a daemonising server), so stopping the group missed it.
            return new(holder, PortHolderKind.Leftover, null, marker) { FromOwnSession = true };
        }

        var group = SessionProcesses.GroupOf(pid);
        var session = records.FirstOrDefault(r => r.Id == marker)
            ?? records.FirstOrDefault(r => SessionProcesses.WorkerLeaderMatches(r) && (r.WorkerPid == pid || (group is not null && r.WorkerGroup == group)));
        if (session is not null)
        {
            return new(holder, session.SupervisorAlive() ? PortHolderKind.LiveSession : PortHolderKind.Leftover, session, session.Id);
        }

        return marker is not null
            ? new(holder, PortHolderKind.Leftover, null, marker)
            : new(holder, PortHolderKind.Foreign, null, null);
    }

    /// <summary>True when a running freshserve session holds the port (its server or its proxy): in use, not a problem.</summary>
    public bool IsLiveSession => !FromOwnSession && Kind is PortHolderKind.LiveSession or PortHolderKind.SessionProxy;

    /// <summary>"pid 123 (python app.py), not started by FreshServe" and the like.</summary>
    public string Describe() => FromOwnSession
        ? $"{Holder.Describe()}, a leftover of an earlier generation of this FreshServe session (it left the worker's process group)"
        : Kind switch
        {
            PortHolderKind.Unknown => Holder.Describe(),
            PortHolderKind.Foreign => $"{Holder.Describe()}, not started by FreshServe",
            PortHolderKind.LiveSession => $"{Holder.Describe()}, the server of your running freshserve session ({Session!.Describe()})",
            PortHolderKind.SessionProxy => $"freshserve itself, pid {Holder.Pid}: the proxy of your running freshserve session ({Session!.Describe()})",
            _ => Session is null
                ? $"{Holder.Describe()}, a leftover of FreshServe session {SessionId} (that session is gone)"
                : $"{Holder.Describe()}, a leftover of FreshServe session {SessionId} ({Session.Describe()})",
        };

    /// <summary>What the user can do about it.</summary>
    public string Advice() => FromOwnSession
        ? $"stopping the worker's process group did not reach it: end it yourself (kill {Holder.Pid})"
        : Kind switch
        {
            PortHolderKind.Foreign => "freshserve will not stop what it did not start: end it yourself, or pick another port",
            PortHolderKind.LiveSession or PortHolderKind.SessionProxy =>
                $"this is your running session, in use rather than stuck: stop it with Ctrl+C in its terminal (or kill -TERM {Session!.Pid}), or start another with --replace to take over",
            PortHolderKind.Leftover => $"freshserve could not prove it is the process it started, so it left it alone: end it yourself (kill {Holder.Pid})",
            _ => "end whatever listens there, or pick another port",
        };
}
