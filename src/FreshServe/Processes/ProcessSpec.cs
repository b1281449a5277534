namespace FreshServe.Processes;

/// <summary>
/// What to start: an immutable description, kept apart from the code that starts and stops it.
/// <see cref="FileName"/> is already resolved to a full path (see <see cref="CommandResolver"/>).
/// </summary>
public sealed record ProcessSpec(
    string FileName,
    IReadOnlyList<string> Arguments,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>When true the worker's stdin is the null device, because freshserve reads keys from the terminal.</summary>
    public bool DetachStdin { get; init; }

    /// <summary>
    /// When set (several services), the worker's stdout and stderr both go to this pipe, which freshserve reads to prefix
    /// each line with the service's name. Null: the worker writes to freshserve's own stdout and stderr, as one server does.
    /// </summary>
    public System.Runtime.InteropServices.SafeHandle? Output { get; init; }

    public string DisplayCommand => string.Join(' ', new[] { Path.GetFileName(FileName) }.Concat(Arguments.Select(Quote)));

    internal static string Quote(string arg) =>
        arg.Length == 0 || arg.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'') ? $"'{arg.Replace("'", "'\\''", StringComparison.Ordinal)}'" : arg;
}

/// <summary>How to stop a worker tree: a graceful signal, then a forceful kill after <see cref="Timeout"/>.</summary>
public sealed record StopPolicy(StopSignal Signal, TimeSpan Timeout);
