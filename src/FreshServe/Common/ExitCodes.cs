namespace FreshServe.Common;

/// <summary>The process exit codes freshserve itself returns (README lists them).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A runtime failure: the command could not start, the port stayed held, another session runs.</summary>
    public const int Failure = 1;
    /// <summary>Bad input: unknown command or option, bad value, bad config file.</summary>
    public const int Usage = 2;

    /// <summary>The server command could not be found or executed (as a shell reports it).</summary>
    public const int CommandNotFound = 127;
}
