using System.Diagnostics;

namespace FreshServe.Processes;

/// <summary>
/// Starts workers with <see cref="Process"/> and stops them with Kill(entireProcessTree). Used where no
/// platform-specific launcher exists yet; it cannot send a graceful signal or catch re-parented descendants.
/// </summary>
public sealed class PortableWorkerLauncher : IWorkerLauncher
{
    public IWorker Start(ProcessSpec spec)
    {
        var info = new ProcessStartInfo(spec.FileName)
        {
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory,
        };
        foreach (var arg in spec.Arguments)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        foreach (var (key, value) in spec.Environment)
        {
            info.Environment[key] = value;
        }

        try
        {
            return new PortableWorker(Process.Start(info) ?? throw new CommandStartException($"cannot start '{spec.FileName}'"));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandStartException($"cannot start '{spec.FileName}': {e.Message}");
        }
    }

    private sealed class PortableWorker(Process process) : IWorker
    {
        private readonly Task<int> _exited = WaitAsync(process);

        public int Pid { get; } = process.Id;

        public Task<int> Exited => _exited;

        private static async Task<int> WaitAsync(Process process)
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
            return process.ExitCode;
        }

        public async Task<StopOutcome> StopAsync(StopPolicy policy, CancellationToken forceNow = default)
        {
            var clock = Stopwatch.StartNew();
            if (!_exited.IsCompleted)
            {
                process.Kill(entireProcessTree: true);
                await _exited.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            }

            return new(clock.Elapsed, Forced: true);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync(new StopPolicy(Cli.StopSignal.Kill, TimeSpan.Zero)).ConfigureAwait(false);
            process.Dispose();
        }
    }
}
