using Microsoft.Extensions.Logging;

namespace FreshServe.Logging;

/// <summary>Every line freshserve logs, source-generated. The first character of each message is its symbol.</summary>
public static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "▶ watching {Roots}; port {PortText}", EventName = nameof(Watching))]
    public static partial void Watching(this ILogger logger, string roots, string portText);

    [LoggerMessage(2, LogLevel.Information, "● started {Command} (pid {Pid}, generation {Generation})", EventName = nameof(Started))]
    public static partial void Started(this ILogger logger, string command, int pid, int generation);

    /// <summary>Where: "on port 8000" or "at http://...". Summary: empty for the first start, else " ← what the restart did".</summary>
    [LoggerMessage(3, LogLevel.Information, "✓ ready in {Milliseconds} ms {Where} (generation {Generation}){Summary}", EventName = nameof(Ready))]
    public static partial void Ready(this ILogger logger, long milliseconds, string where, int generation, string summary);

    [LoggerMessage(4, LogLevel.Information, "↻ {Changed} changed; restarting", EventName = nameof(Restarting))]
    public static partial void Restarting(this ILogger logger, string changed);

    [LoggerMessage(5, LogLevel.Debug, "  stopped generation {Generation} in {Elapsed}{Forced}", EventName = nameof(Stopped))]
    public static partial void Stopped(this ILogger logger, int generation, string elapsed, string forced);

    [LoggerMessage(6, LogLevel.Debug, "  port {Port} is free ({Elapsed})", EventName = nameof(PortFree))]
    public static partial void PortFree(this ILogger logger, int port, string elapsed);

    [LoggerMessage(7, LogLevel.Warning, "✗ {Command} (pid {Pid}) exited with code {ExitCode} after {Uptime}; waiting for a change", EventName = nameof(WorkerExited))]
    public static partial void WorkerExited(this ILogger logger, string command, int pid, int exitCode, string uptime);

    [LoggerMessage(8, LogLevel.Information, "■ stopping (generation {Generation})", EventName = nameof(ShuttingDown))]
    public static partial void ShuttingDown(this ILogger logger, int generation);

    [LoggerMessage(9, LogLevel.Information, "■ stopped; nothing left running", EventName = nameof(ShutDown))]
    public static partial void ShutDown(this ILogger logger);

    [LoggerMessage(10, LogLevel.Warning, "! not ready {Where} within {Timeout} (generation {Generation}, pid {Pid}); it still runs, and freshserve keeps checking{Summary}", EventName = nameof(NotReady))]
    public static partial void NotReady(this ILogger logger, string where, string timeout, int generation, int pid, string summary);

    [LoggerMessage(26, LogLevel.Warning, "! the server (generation {Generation}) listens on port {Ports} but not on port {Port}, where freshserve waits for it; {Advice}", EventName = nameof(ListensElsewhere))]
    public static partial void ListensElsewhere(this ILogger logger, int generation, string ports, int port, string advice);

    [LoggerMessage(11, LogLevel.Information, "  port {Port}, from {Source}", EventName = nameof(PortDetected))]
    public static partial void PortDetected(this ILogger logger, int port, string source);

    [LoggerMessage(700, LogLevel.Information, "  port {Port} ({Source}) is taken; {Server} moves to the next free one: freshserve learns it from what the server listens on", EventName = nameof(DefaultPortTaken))]
    public static partial void DefaultPortTaken(this ILogger logger, int port, string source, string server);

    [LoggerMessage(12, LogLevel.Information, "  no port in the command: freshserve learns it from what the server listens on", EventName = nameof(NoPort))]
    public static partial void NoPort(this ILogger logger);

    [LoggerMessage(13, LogLevel.Warning, "! forcing: killing the whole worker tree now", EventName = nameof(Forcing))]
    public static partial void Forcing(this ILogger logger);

    [LoggerMessage(14, LogLevel.Warning, "! the server did not exit within {Timeout} of {Signal}; sent SIGKILL. Each restart waits that long: if it stops on another signal, give --stop-signal; else a shorter --stop-timeout", EventName = nameof(ForcedKill))]
    public static partial void ForcedKill(this ILogger logger, string signal, string timeout);

    [LoggerMessage(552, LogLevel.Information, "  {Signal} received{Why}", EventName = nameof(StopSignalReceived))]
    public static partial void StopSignalReceived(this ILogger logger, string signal, string why);

    [LoggerMessage(550, LogLevel.Warning, "! killed the worker tree at the second Ctrl+C (or stop signal), {Elapsed} after {Signal}", EventName = nameof(KilledAtSecondRequest))]
    public static partial void KilledAtSecondRequest(this ILogger logger, string signal, string elapsed);

    [LoggerMessage(551, LogLevel.Warning, "! the server did not exit within {Timeout} of {Signal}; sent SIGKILL. If it needs longer to shut down cleanly, give a longer --stop-timeout; if it stops on another signal, give --stop-signal", EventName = nameof(ForcedKillSoon))]
    public static partial void ForcedKillSoon(this ILogger logger, string signal, string timeout);

    [LoggerMessage(30, LogLevel.Warning, "! polling every {IntervalMs} ms instead of file events: {Reason}", EventName = nameof(PollingInstead))]
    public static partial void PollingInstead(this ILogger logger, string reason, long intervalMs);

    [LoggerMessage(35, LogLevel.Information, "  not watching {Files}: freshserve's output goes there", EventName = nameof(OwnOutputIgnored))]
    public static partial void OwnOutputIgnored(this ILogger logger, string files);

    [LoggerMessage(36, LogLevel.Warning, "! {Files} changed within {Within} of each of the last {Count} starts, before the server was ready. If the server writes it, it restarts itself: exclude it ({Excludes})", EventName = nameof(FeedbackLoop))]
    public static partial void FeedbackLoop(this ILogger logger, string files, string within, int count, string excludes);

    [LoggerMessage(401, LogLevel.Information, "  {Path} is the server's own write ({Evidence}): not restarting for it. To stop watching it: -x '{Exclude}'", EventName = nameof(ServerOwnWrite))]
    public static partial void ServerOwnWrite(this ILogger logger, string path, string evidence, string exclude);

    [LoggerMessage(402, LogLevel.Debug, "  {Paths}: the server's own writes; not restarting", EventName = nameof(ServerOwnWritesAgain))]
    public static partial void ServerOwnWritesAgain(this ILogger logger, string paths);

    [LoggerMessage(31, LogLevel.Warning, "! watch folder {Root} is gone; waiting for it to come back", EventName = nameof(WatchRootGone))]
    public static partial void WatchRootGone(this ILogger logger, string root);

    [LoggerMessage(32, LogLevel.Information, "▶ watch folder {Root} is back", EventName = nameof(WatchRootBack))]
    public static partial void WatchRootBack(this ILogger logger, string root);

    [LoggerMessage(34, LogLevel.Warning, "! file events stopped by themselves (a .NET bug after a folder moves out of the tree); watching again, and restarting since a change may have been missed", EventName = nameof(EventsDied))]
    public static partial void EventsDied(this ILogger logger);

    [LoggerMessage(15, LogLevel.Debug, "  started {Command} (pid {Pid}, generation {Generation})", EventName = nameof(StartedStep))]
    public static partial void StartedStep(this ILogger logger, string command, int pid, int generation);


    [LoggerMessage(16, LogLevel.Information, "● restarted (generation {Generation}) ← {Summary}; no port seen yet, so freshserve watches for one it listens on", EventName = nameof(Restarted))]
    public static partial void Restarted(this ILogger logger, int generation, string summary);

    [LoggerMessage(17, LogLevel.Information, "↻ restart requested; restarting", EventName = nameof(RestartRequested))]
    public static partial void RestartRequested(this ILogger logger);

    [LoggerMessage(18, LogLevel.Error, "✗ {Command} (pid {Pid}) could not run: exit code {ExitCode}, {Meaning}, after {Uptime}; fix the command, no automatic retry; waiting for a change", EventName = nameof(CannotRun))]
    public static partial void CannotRun(this ILogger logger, string command, int pid, int exitCode, string meaning, string uptime);

    [LoggerMessage(27, LogLevel.Error, "✗ {Problem}; waiting for a change", EventName = nameof(CannotStart))]
    public static partial void CannotStart(this ILogger logger, string problem);

    [LoggerMessage(19, LogLevel.Warning, "✗ {Command} (pid {Pid}) exited with code {ExitCode} after {Uptime}; restarting in {Delay} (crash {Streak} in a row)", EventName = nameof(WorkerCrashedRestarting))]
    public static partial void WorkerCrashedRestarting(this ILogger logger, string command, int pid, int exitCode, string uptime, string delay, int streak);

    [LoggerMessage(20, LogLevel.Information, "  keys: r restart · q quit · c clear screen · h help", EventName = nameof(KeysHint))]
    public static partial void KeysHint(this ILogger logger);

    [LoggerMessage(21, LogLevel.Information, "  r restart now · q quit (stops the server tree) · c clear the screen · h this help; Ctrl+C also quits", EventName = nameof(KeysHelp))]
    public static partial void KeysHelp(this ILogger logger);

    [LoggerMessage(400, LogLevel.Information, "  watching {What}{Preset}", EventName = nameof(WatchedFiles))]
    public static partial void WatchedFiles(this ILogger logger, string what, string preset);

    [LoggerMessage(23, LogLevel.Warning, "! {Problem}", EventName = nameof(TwoReloaders))]
    public static partial void TwoReloaders(this ILogger logger, string problem);

    [LoggerMessage(24, LogLevel.Information, "  removed {Count} __pycache__ folder(s) under the watch roots", EventName = nameof(BytecodeCleaned))]
    public static partial void BytecodeCleaned(this ILogger logger, int count);

    [LoggerMessage(25, LogLevel.Debug, "  config file {Path}", EventName = nameof(ConfigLoaded))]
    public static partial void ConfigLoaded(this ILogger logger, string path);

    [LoggerMessage(40, LogLevel.Debug, "  the graceful stop ({Signal}) could not be delivered to the worker tree; ended it at once", EventName = nameof(GracefulUndeliverable))]
    public static partial void GracefulUndeliverable(this ILogger logger, string signal);

    // Observed ports and readiness (ids 450-499).
    [LoggerMessage(450, LogLevel.Warning, "! not ready at {Url} within {Timeout}: it answers {Status} {Reason}, and ready needs a 2xx or 3xx (generation {Generation}, pid {Pid}); is --ready-url the right path? It still runs, and freshserve keeps checking{Summary}", EventName = nameof(ReadyUrlAnswers))]
    public static partial void ReadyUrlAnswers(this ILogger logger, string url, int status, string reason, string timeout, int generation, int pid, string summary);

    [LoggerMessage(451, LogLevel.Information, "  port {Port}, observed: {Holder} listens on it (generation {Generation})", EventName = nameof(PortObserved))]
    public static partial void PortObserved(this ILogger logger, int port, string holder, int generation);

    [LoggerMessage(452, LogLevel.Warning, "! the server (generation {Generation}) listens on port {Port} ({Holder}), not on port {Expected} from {Source}; freshserve uses port {Port} for readiness and the port check. If that is not its port, give the right one with --port", EventName = nameof(ListensElsewhereUsing))]
    public static partial void ListensElsewhereUsing(this ILogger logger, int generation, int port, string holder, int expected, string source);

    [LoggerMessage(453, LogLevel.Information, "● running (generation {Generation}, pid {Pid}){Summary}; it listens on no TCP port after {Waited}, so no readiness check (give --port or --ready-url if it serves)", EventName = nameof(ListensNowhere))]
    public static partial void ListensNowhere(this ILogger logger, int generation, int pid, string waited, string summary);

    // Sessions (ids 300-399).
    [LoggerMessage(300, LogLevel.Warning, "⌫ stopped pid(s) {Pids} left running by an earlier freshserve that died ({Session})", EventName = nameof(LeftoverStopped))]
    public static partial void LeftoverStopped(this ILogger logger, string pids, string session);

    [LoggerMessage(301, LogLevel.Information, "  an earlier session's worker pid {Pid} now belongs to another process (reused pid); left alone", EventName = nameof(LeftoverPidReused))]
    public static partial void LeftoverPidReused(this ILogger logger, int pid);

    [LoggerMessage(302, LogLevel.Warning, "↺ --replace: stopping the freshserve session already running here ({Session})", EventName = nameof(Replacing))]
    public static partial void Replacing(this ILogger logger, string session);

    [LoggerMessage(303, LogLevel.Warning, "↺ replaced the freshserve session of pid {Pid}; this one takes over", EventName = nameof(Replaced))]
    public static partial void Replaced(this ILogger logger, int pid);

    [LoggerMessage(304, LogLevel.Information, "  port {Port} is held by {Holder}; waiting up to {Timeout} for it to be free", EventName = nameof(PortHeldWaiting))]
    public static partial void PortHeldWaiting(this ILogger logger, int port, string holder, string timeout);

    // Processes (500-549).
    [LoggerMessage(500, LogLevel.Information, "  preset {Preset}: stops the server with {Signal} (--stop-signal to change)", EventName = nameof(PresetStopSignal))]
    public static partial void PresetStopSignal(this ILogger logger, string preset, string signal);

    [LoggerMessage(501, LogLevel.Debug, "  {What}", EventName = nameof(WorkerJobEntry))]
    public static partial void WorkerJobEntry(this ILogger logger, string what);

    [LoggerMessage(33, LogLevel.Information, "  polling every {IntervalMs} ms ({Reason})", EventName = nameof(Polling))]
    public static partial void Polling(this ILogger logger, string reason, long intervalMs);

    // Proxy mode (100+).
    [LoggerMessage(100, LogLevel.Information, "⇄ proxy on {Url}: requests wait while the server restarts; live reload {LiveReload}", EventName = nameof(ProxyListening))]
    public static partial void ProxyListening(this ILogger logger, string url, string liveReload);

    // The placeholder is an argument: with no arguments the generator logs the template as written, {{ and all.
    [LoggerMessage(101, LogLevel.Information, "  no {Placeholder} in the command: the server must listen on $PORT", EventName = nameof(ProxyPortFromEnvironment))]
    public static partial void ProxyPortFromEnvironment(this ILogger logger, string placeholder);

    [LoggerMessage(103, LogLevel.Warning, "! the command sets the server's port itself ({Source}), but behind --proxy the server must listen on the port freshserve picks for each restart: write {Placeholder} where the port goes", EventName = nameof(ProxyFixedPort))]
    public static partial void ProxyFixedPort(this ILogger logger, string source, string placeholder);

    [LoggerMessage(102, LogLevel.Debug, "  web stack loaded: {Assemblies}", EventName = nameof(WebStackLoaded))]
    public static partial void WebStackLoaded(this ILogger logger, string assemblies);

    [LoggerMessage(650, LogLevel.Debug, "  {PortsAre} free ({Elapsed}); starting while generation {Generation} stops", EventName = nameof(PortsClear))]
    public static partial void PortsClear(this ILogger logger, string portsAre, string elapsed, int generation);

    [LoggerMessage(651, LogLevel.Debug, "  starting while generation {Generation} stops (it had no port the next one needs)", EventName = nameof(StartingWhileStopping))]
    public static partial void StartingWhileStopping(this ILogger logger, int generation);

    [LoggerMessage(652, LogLevel.Debug, "  freshserve's own time: {Overhead}", EventName = nameof(RestartOverhead))]
    public static partial void RestartOverhead(this ILogger logger, string overhead);

    // Several services (#13): ids 1050-1099.
    [LoggerMessage(1050, LogLevel.Information, "▶ watching {Roots}{After}", EventName = nameof(ServiceCommand))]
    public static partial void ServiceCommand(this ILogger logger, string roots, string after);

    [LoggerMessage(1051, LogLevel.Information, "… waits for {Dependencies} to be ready", EventName = nameof(ServiceWaiting))]
    public static partial void ServiceWaiting(this ILogger logger, string dependencies);

    [LoggerMessage(1054, LogLevel.Information, "  keys: r restart all · 1-{Last} restart one · q quit · c clear screen · h help", EventName = nameof(ProjectKeysHint))]
    public static partial void ProjectKeysHint(this ILogger logger, int last);

    [LoggerMessage(1055, LogLevel.Information, "  r restart every service · 1-{Last} restart that one · q quit (stops every tree) · c clear the screen · h this help; Ctrl+C also quits", EventName = nameof(ProjectKeysHelp))]
    public static partial void ProjectKeysHelp(this ILogger logger, int last);

    [LoggerMessage(1052, LogLevel.Information, "  restart one service: {Services}", EventName = nameof(ServiceKeys))]
    public static partial void ServiceKeys(this ILogger logger, string services);

    [LoggerMessage(1053, LogLevel.Warning, "! no control socket at {Path} ({Reason}): freshserve status and restart cannot reach this session", EventName = nameof(ControlUnavailable))]
    public static partial void ControlUnavailable(this ILogger logger, string path, string reason);

    [LoggerMessage(800, LogLevel.Debug, "  generation {Generation} answered on port {Port} after it was replaced: not reported, not routed to", EventName = nameof(ReadyAfterReplaced))]
    public static partial void ReadyAfterReplaced(this ILogger logger, int generation, string port);
}
