using System.Globalization;
using FreshServe.Processes;
using FreshServe.Proxy;

namespace FreshServe.Supervision;

/// <summary>
/// What each generation starts with: the command, its environment, and behind the proxy the internal port it is given
/// ({port} in the arguments, $PORT). No I/O beyond reading freshserve's own environment.
/// </summary>
public sealed class GenerationPlanner(WatchSettings settings, string executable)
{
    /// <summary>The spec of generation <paramref name="generation"/>, started after <paramref name="changed"/> (relative paths).</summary>
    /// <param name="workerPort">The port handed out behind the proxy; null without it.</param>
    public ProcessSpec Plan(int generation, IReadOnlyList<string> changed, int? workerPort)
    {
        var environment = WorkerEnvironment.Build(settings, generation, changed);
        var arguments = settings.CommandArguments;
        if (settings.Proxy is not null && workerPort is { } assigned)
        {
            arguments = WorkerPort.Substitute(arguments, assigned);
            environment = new Dictionary<string, string>(environment) { ["PORT"] = assigned.ToString(CultureInfo.InvariantCulture) };
        }

        return new ProcessSpec(executable, arguments, settings.WorkingDirectory, environment)
        {
            DetachStdin = settings.DetachStdin,
        };
    }
}
