using System.Globalization;
using FreshServe.Common;
using FreshServe.Ports;
using FreshServe.Sessions;
using McMaster.Extensions.CommandLineUtils;

namespace FreshServe.Cli;

/// <summary><c>freshserve doctor</c>: its options, and the report written to stdout.</summary>
public static class DoctorCommand
{
    public const string Description = "Explain what stands in the way: who holds a port, each service's command and ports, stale sessions, file watching in this folder.";

    public static void Define(CommandLineApplication app)
    {
        app.Description = Description;
        app.ThrowOnUnexpectedArgument = true;
        var help = FreshServeApp.HelpOption(app);
        var port = app.Option<int?>("-p|--port <PORT>", "Also tell who holds this port, and whether FreshServe started it.", CommandOptionType.SingleValue);
        app.OnExecute(() =>
        {
            if (help.HasValue())
            {
                app.ShowHelp(usePager: false);
                return ExitCodes.Ok;
            }

            if (port.ParsedValue is < 1 or > 65535)
            {
                throw new UsageException("--port must be between 1 and 65535");
            }

            var report = new DoctorReport(SessionRegistry.ForCurrentUser(), Environment.CurrentDirectory);
            Console.Out.Write(report.Write(port.ParsedValue));
            return ExitCodes.Ok;
        });
    }
}

/// <summary>The doctor's findings as plain text, one section per question.</summary>
public sealed class DoctorReport(SessionRegistry registry, string folder)
{
    private readonly StringWriter _out = new(CultureInfo.InvariantCulture);

    public string Write(int? port)
    {
        if (port is { } p)
        {
            WritePort(p);
        }

        WriteServices();
        WriteSessions();
        WriteFolder();
        WriteInotifyLimits();
        return _out.ToString();
    }

    private void WritePort(int port)
    {
        _out.WriteLine($"Port {port}");
        if (!PortListeners.IsListening(port))
        {
            _out.WriteLine("  ✓ free: nothing listens on it, on any local address (IPv4 or IPv6).");
        }
        else
        {
            var holder = PortHolderReport.For(port, registry);
            _out.WriteLine($"  {(holder.IsLiveSession ? "●" : "✗")} held by {holder.Describe()}.");
            _out.WriteLine($"    {Capitalized(holder.Advice())}.");
        }

        _out.WriteLine();
    }

    /// <summary>Each service of freshserve.json (or the Procfile): its command on PATH, its ports, its folders' file systems.</summary>
    private void WriteServices()
    {
        Services.ResolvedProject? project;
        try
        {
            project = Services.ProjectResolver.Resolve(new WatchArguments(), folder);
        }
        catch (Exception e) when (e is UsageException or CommandParsingException)
        {
            _out.WriteLine("Config");
            _out.WriteLine($"  ✗ {e.Message}");
            _out.WriteLine();
            return;
        }

        if (project is null)
        {
            return;
        }

        _out.WriteLine($"Services (from {project.Source})");
        foreach (var service in project.Plan.Services)
        {
            var settings = service.Settings;
            var command = string.Join(' ', new[] { settings.Command }.Concat(settings.CommandArguments).Select(Processes.ProcessSpec.Quote));
            var after = service.DependsOn.Count == 0 ? string.Empty : $"; starts after {string.Join(", ", service.DependsOn)}";
            _out.WriteLine($"  {service.Name}: {command} (in {settings.WorkingDirectory}{after})");
            try
            {
                _out.WriteLine($"    ✓ {settings.Command} is {Processes.CommandResolver.Resolve(settings.Command, settings.WorkingDirectory, settings.Environment)}.");
            }
            catch (Processes.CommandStartException e)
            {
                _out.WriteLine($"    ✗ {e.Message}.");
            }

            if (settings.Port is { } port)
            {
                WriteServicePort("port", port);
            }
            else if (settings.Proxy is null)
            {
                _out.WriteLine("    · no port known: it is observed when the server listens (a worker may listen on none).");
            }

            if (settings.Proxy is { } proxy)
            {
                WriteServicePort("proxy port", proxy.Port);
            }

            foreach (var root in settings.WatchRoots)
            {
                var fileSystem = Watching.FolderFileSystem.Of(root);
                _out.WriteLine(fileSystem is null
                    ? $"    · watches {root}: its file system could not be checked."
                    : fileSystem.NeedsPolling
                        ? $"    ✗ watches {root}: it needs polling, on {fileSystem.Where}, {fileSystem.PollingReason}. freshserve watch polls it by itself."
                        : $"    ✓ watches {root}: on {fileSystem.Where}, which reports every save.");
            }
        }

        _out.WriteLine();
    }

    private void WriteServicePort(string what, int port)
    {
        if (!PortListeners.IsListening(port))
        {
            _out.WriteLine($"    ✓ {what} {port} is free.");
            return;
        }

        var holder = PortHolderReport.For(port, registry);
        _out.WriteLine($"    {(holder.IsLiveSession ? "●" : "✗")} {what} {port} is held by {holder.Describe()}.");
        _out.WriteLine($"      {Capitalized(holder.Advice())}.");
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private void WriteSessions()
    {
        _out.WriteLine($"Sessions (recorded in {registry.Folder})");
        IReadOnlyList<SessionRecord> records;
        try
        {
            records = registry.ReadAll();
        }
        catch (FreshServeException e)
        {
            _out.WriteLine($"  ✗ cannot read them: {e.Message}.");
            _out.WriteLine();
            return;
        }

        if (records.Count == 0)
        {
            _out.WriteLine("  ✓ no freshserve session is recorded.");
        }

        foreach (var record in records.OrderBy(r => r.StartedAt))
        {
            if (record.SupervisorAlive())
            {
                _out.WriteLine($"  ● running: {record.Describe()}{(record.WorkerPid is { } worker ? $"; its server is pid {worker} (generation {record.Generation})" : string.Empty)}.");
                _out.WriteLine($"    This is a live session, nothing to fix. Stop it with Ctrl+C in its terminal, or: {StopCommand([record.Pid], group: null)}");
                continue;
            }

            var leftovers = SessionProcesses.LeftoverPids(record);
            if (leftovers.Count == 0)
            {
                _out.WriteLine($"  · stale record of a session whose freshserve is gone and left nothing running ({record.Describe()}).");
                _out.WriteLine("    Harmless; the next freshserve start removes it.");
                continue;
            }

            var group = SessionProcesses.WorkerLeaderMatches(record) ? record.WorkerGroup : null;
            _out.WriteLine($"  ✗ stale: freshserve pid {record.Pid} is gone but its server is still running as pid {string.Join(", ", leftovers)} ({record.Describe()}).");
            _out.WriteLine($"    freshserve watch in {record.Folder} stops it on start; or end it now with: {StopCommand(leftovers, group)}");
        }

        _out.WriteLine();
    }

    private static string StopCommand(IReadOnlyList<int> pids, int? group)
    {
        if (OperatingSystem.IsWindows())
        {
            return string.Join(" & ", pids.Select(pid => $"taskkill /PID {pid} /T /F"));
        }

        return group is { } g ? $"kill -TERM -- -{g}" : $"kill -TERM {string.Join(' ', pids)}";
    }

    private void WriteFolder()
    {
        _out.WriteLine($"This folder ({folder})");
        var fileSystem = Watching.FolderFileSystem.Of(folder);
        if (fileSystem is null)
        {
            _out.WriteLine("  · the file system could not be checked here; if saves go unnoticed, use freshserve watch --poll.");
        }
        else if (fileSystem.NeedsPolling)
        {
            _out.WriteLine($"  ✗ needs polling: it is on {fileSystem.Where}, {fileSystem.PollingReason}. freshserve watch polls it by itself.");
        }
        else
        {
            _out.WriteLine($"  ✓ no polling needed: it is on {fileSystem.Where}, which reports every save.");
        }

        _out.WriteLine();
    }

    private void WriteInotifyLimits()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        _out.WriteLine("File watch limits (inotify)");
        var watches = ReadLimit("/proc/sys/fs/inotify/max_user_watches");
        var instances = ReadLimit("/proc/sys/fs/inotify/max_user_instances");
        var (folders, capped) = CountFolders(folder, limit: 200_000);
        var foldersText = capped ? $"more than {folders:N0}" : $"{folders:N0}";
        if (watches is { } w)
        {
            var verdict = folders > w ? "✗ too few" : folders > w / 2 ? "! tight" : "✓ enough";
            _out.WriteLine($"  {verdict}: each watched folder takes one watch; this folder has {foldersText} folders, and your user may hold {w:N0} watches in all programs together (max_user_watches).");
        }

        if (instances is { } i)
        {
            var used = CountInotifyInstances();
            var verdict = used >= i ? "✗ used up" : used > i * 3 / 4 ? "! nearly used up" : "✓ enough";
            _out.WriteLine($"  {verdict}: your processes use {used} of {i} watchers (max_user_instances); each program that watches files takes at least one.");
        }

        if (watches is not null || instances is not null)
        {
            _out.WriteLine("  To raise them: sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512");
            _out.WriteLine("  (and put the same settings in a file under /etc/sysctl.d/ to keep them after a reboot).");
        }
        else
        {
            _out.WriteLine("  · the limits cannot be read here.");
        }

        _out.WriteLine();
    }

    private static long? ReadLimit(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (int Count, bool Capped) CountFolders(string root, int limit)
    {
        var count = 1;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var _ in Directory.EnumerateDirectories(root, "*", options))
        {
            if (++count >= limit)
            {
                return (count, true);
            }
        }

        return (count, false);
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static int CountInotifyInstances() =>
        Processes.Unix.ProcessTable.Pids().Sum(pid => Processes.Unix.ProcessTable.Descriptors(pid).Count(d => d.Target == "anon_inode:inotify"));
}
