using FreshServe.Common;

namespace FreshServe.Processes;

/// <summary>The signals a user may pick for the graceful stop; numbers are resolved per platform.</summary>
public enum StopSignal
{
    Term,
    Int,
    Hup,
    Quit,
    Usr1,
    Usr2,
    Kill,
}

public static class StopSignals
{
    public static StopSignal Parse(string text)
    {
        var name = text.Trim().ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = name[3..];
        }

        return name switch
        {
            "TERM" or "15" => StopSignal.Term,
            "INT" or "2" => StopSignal.Int,
            "HUP" or "1" => StopSignal.Hup,
            "QUIT" or "3" => StopSignal.Quit,
            "USR1" => StopSignal.Usr1,
            "USR2" => StopSignal.Usr2,
            "KILL" or "9" => StopSignal.Kill,
            _ => throw new UsageException(
                $"--stop-signal: '{text}' is not a signal freshserve can send; use one of SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGKILL"),
        };
    }

    public static string Name(this StopSignal signal) => "SIG" + signal.ToString().ToUpperInvariant();
}
